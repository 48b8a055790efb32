//! The delivery worker: consumes `orders` in its own group and assigns a delivery for every
//! ORDER_COMPLETED — written by the order-status worker in the transaction that completes the
//! order — at most once per order, in its own store.

mod handler;

use std::sync::Arc;

use saga_core::Topic;
use saga_core::ports::{Clock, DeadLetterStore, DeliveryStore, Entropy, EventBus};
use saga_runtime::consumer::{self, ConsumerDeps, ConsumerPolicy, ConsumerSpec};
use saga_runtime::{Listener, component};

/// What the delivery worker needs from the outside world.
#[derive(Clone)]
pub struct DeliveryWorkerDeps {
    pub bus: Arc<dyn EventBus>,
    /// Where rejections go when the DLQ topic will not take them.
    pub dead_letters: Arc<dyn DeadLetterStore>,
    pub deliveries: Arc<dyn DeliveryStore>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
}

/// How the delivery worker behaves.
#[derive(Debug, Clone)]
pub struct DeliveryWorkerConfig {
    /// Consumer group on `orders`.
    pub group: String,
    /// Retry bounds and the stall limit of `/health`.
    pub policy: ConsumerPolicy,
}

impl Default for DeliveryWorkerConfig {
    fn default() -> Self {
        Self {
            group: "delivery-worker".into(),
            policy: ConsumerPolicy::default(),
        }
    }
}

/// Consumes until `shutdown` resolves, serving `/health` and `/metrics` on `listener`.
///
/// # Errors
/// An I/O error from the ops server, or overrunning the shutdown grace period.
pub async fn run<L>(
    deps: DeliveryWorkerDeps,
    config: DeliveryWorkerConfig,
    listener: L,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()>
where
    L: Listener,
    L::Addr: std::fmt::Debug,
{
    let stall_after = config.policy.stall_after;
    let spec = ConsumerSpec {
        component: "delivery-worker",
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
    let handler = Arc::new(handler::DeliveryHandler { deps });
    component::run_with_ops(
        "delivery-worker",
        stall_after,
        listener,
        shutdown,
        |health, token| consumer::run(spec, consumer_deps, handler, health, token),
    )
    .await
}
