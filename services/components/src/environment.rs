//! What a world supplies to the components running in it. The real stack, the embedded demo
//! and the simulation each implement [`Environment`]; nothing else differs between them.

use std::io;
use std::sync::Arc;

use async_trait::async_trait;
use saga_core::ports::{
    Clock, DeadLetterLedger, DeadLetterStore, DecisionStore, DeliveryStore, Entropy, EventBus,
    OrderStore,
};
use saga_runtime::net::Dialer;

use crate::component::Component;
use crate::listener::BoxListener;

/// Any error an environment reports; its text names the dependency and its address.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The edges of one world, as one component instance sees them. Adapters are asked for once
/// per component instance, after its settings parsed and before it listens.
#[async_trait]
pub trait Environment: Send + Sync + 'static {
    /// A configuration variable (`UPSTREAM_TIMEOUT_SECONDS`, …): the process environment on
    /// the real stack, a fixed table in the demo and the simulation.
    fn var(&self, name: &str) -> Option<String>;

    /// Where `component` serves, as `http://host:port`, when this world knows (every component
    /// in one process, or in the simulation); it takes precedence over the variable that
    /// would name it.
    fn url_of(&self, component: &Component) -> Option<String>;

    fn clock(&self) -> Arc<dyn Clock>;

    fn entropy(&self) -> Arc<dyn Entropy>;

    /// Opens connections to other components.
    fn dialer(&self) -> Arc<dyn Dialer>;

    /// The listener `component` serves on (its API, or `/health` and `/metrics`).
    ///
    /// # Errors
    /// When the address cannot be bound.
    async fn listen(&self, component: &Component) -> io::Result<BoxListener>;

    /// # Errors
    /// The order store (PostgreSQL) cannot be reached or configured.
    async fn order_store(&self) -> Result<Arc<dyn OrderStore>, BoxError>;

    /// # Errors
    /// The event bus (Kafka) cannot be reached or configured.
    async fn event_bus(&self) -> Result<Arc<dyn EventBus>, BoxError>;

    /// # Errors
    /// The decision store (Redis) cannot be reached or configured.
    async fn decision_store(&self) -> Result<Arc<dyn DecisionStore>, BoxError>;

    /// # Errors
    /// The delivery store (PostgreSQL) cannot be reached or configured.
    async fn delivery_store(&self) -> Result<Arc<dyn DeliveryStore>, BoxError>;

    /// Where a consumer keeps a rejection its DLQ topic will not take (PostgreSQL).
    ///
    /// # Errors
    /// The dead-letter store cannot be reached or configured.
    async fn dead_letters(&self) -> Result<Arc<dyn DeadLetterStore>, BoxError>;

    /// Where operators' replays and discards of dead letters are recorded (PostgreSQL), for
    /// the explorer.
    ///
    /// # Errors
    /// The ledger cannot be reached or configured, or this world keeps none (the default).
    async fn dead_letter_ledger(&self) -> Result<Arc<dyn DeadLetterLedger>, BoxError> {
        Err("this world keeps no dead-letter ledger".into())
    }

    /// How long after its first handling an event of `topic` can still be delivered
    /// (`saga_core::redelivery`), for retention's checks at start-up and at each pass; `None`
    /// where it does not apply.
    ///
    /// # Errors
    /// When the broker cannot say.
    async fn redelivery_window(
        &self,
        _topic: saga_core::Topic,
    ) -> Result<Option<saga_core::redelivery::Window>, BoxError> {
        Ok(None)
    }

    /// How the explorer reads the saga: whole snapshots where the state is small, bounded
    /// reads per page on the real stack.
    ///
    /// # Errors
    /// A backend cannot be reached or configured, or this world serves no explorer (the
    /// default: the simulation draws its pages from its trace).
    async fn saga_reading(&self) -> Result<saga_explorer::Reading, BoxError> {
        Err("this world serves no explorer".into())
    }

    /// The order and delivery stores read forward, for the auditor.
    ///
    /// # Errors
    /// A backend cannot be reached, or this world runs no auditor (the default: the
    /// simulation judges its trace with the auditor's code instead).
    async fn audit_feed(&self) -> Result<Arc<dyn saga_core::ports::AuditFeed>, BoxError> {
        Err("this world runs no auditor".into())
    }
}
