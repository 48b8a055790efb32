//! The order-status worker: consumes PAYMENT_SUCCESS / PAYMENT_FAILED from `payments` and moves
//! the order from PENDING to COMPLETED or CANCELLED, recording the event in processed_events in
//! the same transaction so a redelivery changes nothing.

mod handler;

use std::sync::Arc;

use saga_core::Topic;
use saga_core::ports::{Clock, DeadLetterStore, Entropy, EventBus, OrderStore};
use saga_runtime::consumer::{self, ConsumerDeps, ConsumerPolicy, ConsumerSpec};
use saga_runtime::{Listener, component};

/// What the order-status worker needs from the outside world.
#[derive(Clone)]
pub struct StatusWorkerDeps {
    pub bus: Arc<dyn EventBus>,
    /// Where rejections go when the DLQ topic will not take them.
    pub dead_letters: Arc<dyn DeadLetterStore>,
    pub store: Arc<dyn OrderStore>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
}

/// How the order-status worker behaves.
#[derive(Debug, Clone)]
pub struct StatusWorkerConfig {
    /// Consumer group on `payments`.
    pub group: String,
    /// Retry bounds and the stall limit of `/health`.
    pub policy: ConsumerPolicy,
}

impl Default for StatusWorkerConfig {
    fn default() -> Self {
        Self {
            group: "order-status-worker".into(),
            policy: ConsumerPolicy::default(),
        }
    }
}

/// Consumes until `shutdown` resolves, serving `/health` and `/metrics` on `listener`.
///
/// # Errors
/// An I/O error from the ops server, or overrunning the shutdown grace period.
pub async fn run<L>(
    deps: StatusWorkerDeps,
    config: StatusWorkerConfig,
    listener: L,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()>
where
    L: Listener,
    L::Addr: std::fmt::Debug,
{
    let stall_after = config.policy.stall_after;
    let spec = ConsumerSpec {
        component: "order-status-worker",
        group: config.group.clone(),
        topic: Topic::Payments,
        policy: config.policy,
    };
    let consumer_deps = ConsumerDeps {
        bus: deps.bus.clone(),
        dead_letters: deps.dead_letters.clone(),
        clock: deps.clock.clone(),
        entropy: deps.entropy.clone(),
    };
    let drop_unprocessable =
        saga_core::mutant::active(saga_core::mutant::Mutant::DropUnprocessable);
    let handler = Arc::new(handler::StatusHandler {
        deps,
        drop_unprocessable,
        schema: config.policy.schemas.write,
    });
    component::run_with_ops(
        "order-status-worker",
        stall_after,
        listener,
        shutdown,
        |health, token| consumer::run(spec, consumer_deps, handler, health, token),
    )
    .await
}
