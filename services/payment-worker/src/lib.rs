//! The payment worker: consumes ORDER_CREATED from `orders`, decides success or failure by a
//! coin whose first outcome per source event is kept in the decision store, and publishes
//! PAYMENT_SUCCESS or PAYMENT_FAILED to `payments`, keyed by order id.

mod handler;

use std::sync::Arc;

use saga_core::Topic;
use saga_core::ports::{Clock, DeadLetterStore, DecisionStore, Entropy, EventBus};
use saga_runtime::consumer::{self, ConsumerDeps, ConsumerPolicy, ConsumerSpec};
use saga_runtime::{Listener, component};

/// What the payment worker needs from the outside world.
#[derive(Clone)]
pub struct PaymentWorkerDeps {
    pub bus: Arc<dyn EventBus>,
    /// Where rejections go when the DLQ topic will not take them.
    pub dead_letters: Arc<dyn DeadLetterStore>,
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
    /// Retry bounds and the stall limit of `/health`.
    pub policy: ConsumerPolicy,
}

impl Default for PaymentWorkerConfig {
    fn default() -> Self {
        Self {
            group: "payment-worker".into(),
            success_probability: 0.8,
            policy: ConsumerPolicy::default(),
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
    let stall_after = config.policy.stall_after;
    let spec = ConsumerSpec {
        component: "payment-worker",
        group: config.group.clone(),
        topic: Topic::Orders,
        policy: config.policy,
    };
    let consumer_deps = ConsumerDeps {
        bus: deps.bus.clone(),
        dead_letters: deps.dead_letters.clone(),
        clock: deps.clock.clone(),
        entropy: deps.entropy.clone(),
    };
    let handler = Arc::new(handler::PaymentHandler { deps, config });
    component::run_with_ops(
        "payment-worker",
        stall_after,
        listener,
        shutdown,
        |health, token| consumer::run(spec, consumer_deps, handler, health, token),
    )
    .await
}
