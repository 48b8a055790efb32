//! The payment worker: consumes ORDER_CREATED from `orders`, decides success or failure by a
//! coin whose first outcome per source event is kept in the decision store, and publishes
//! PAYMENT_SUCCESS or PAYMENT_FAILED to `payments`, keyed by order id.

mod handler;

use std::sync::Arc;

use saga_core::Topic;
use saga_core::mutant::Mutant;
use saga_core::ports::{Clock, DecisionStore, Entropy, EventBus};
use saga_runtime::consumer::{self, ConsumerDeps, ConsumerSpec};
use saga_runtime::{Listener, component};

/// What the payment worker needs from the outside world.
#[derive(Clone)]
pub struct PaymentWorkerDeps {
    pub bus: Arc<dyn EventBus>,
    pub decisions: Arc<dyn DecisionStore>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
}

/// How the payment worker behaves.
#[derive(Debug, Clone)]
pub struct PaymentWorkerConfig {
    /// Consumer group on `orders`.
    pub group: String,
    /// Chance that a payment succeeds.
    pub success_probability: f64,
    /// A deliberate bug for the simulation harness; only Rust code sets it.
    pub mutant: Option<Mutant>,
}

impl Default for PaymentWorkerConfig {
    fn default() -> Self {
        Self {
            group: "payment-worker".into(),
            success_probability: 0.8,
            mutant: None,
        }
    }
}

/// Consumes until `shutdown` resolves, serving `/health` and `/metrics` on `listener`.
///
/// # Errors
/// An I/O error from the ops server, or overrunning the shutdown grace period.
pub async fn run<L>(
    deps: PaymentWorkerDeps,
    config: PaymentWorkerConfig,
    listener: L,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()>
where
    L: Listener,
    L::Addr: std::fmt::Debug,
{
    let spec = ConsumerSpec {
        component: "payment-worker",
        group: config.group.clone(),
        topic: Topic::Orders,
        commit_before_handling: config.mutant == Some(Mutant::CommitBeforeProcessing),
    };
    let consumer_deps = ConsumerDeps {
        bus: deps.bus.clone(),
        clock: deps.clock.clone(),
        entropy: deps.entropy.clone(),
    };
    let handler = Arc::new(handler::PaymentHandler { deps, config });
    component::run_with_ops("payment-worker", listener, shutdown, |health, token| {
        consumer::run(spec, consumer_deps, handler, health, token)
    })
    .await
}
