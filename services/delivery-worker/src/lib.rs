//! The delivery worker: consumes `payments` in its own group and assigns a delivery for every
//! PAYMENT_SUCCESS, at most once per order, in its own store.

mod handler;

use std::sync::Arc;

use saga_core::Topic;
use saga_core::ports::{Clock, DeliveryStore, Entropy, EventBus};
use saga_runtime::consumer::{self, ConsumerDeps, ConsumerSpec};
use saga_runtime::{Listener, component};

/// What the delivery worker needs from the outside world.
#[derive(Clone)]
pub struct DeliveryWorkerDeps {
    pub bus: Arc<dyn EventBus>,
    pub deliveries: Arc<dyn DeliveryStore>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
}

/// How the delivery worker behaves.
#[derive(Debug, Clone)]
pub struct DeliveryWorkerConfig {
    /// Consumer group on `payments`.
    pub group: String,
}

impl Default for DeliveryWorkerConfig {
    fn default() -> Self {
        Self {
            group: "delivery-worker".into(),
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
    let spec = ConsumerSpec {
        component: "delivery-worker",
        group: config.group.clone(),
        topic: Topic::Payments,
        commit_before_handling: false,
    };
    let consumer_deps = ConsumerDeps {
        bus: deps.bus.clone(),
        clock: deps.clock.clone(),
        entropy: deps.entropy.clone(),
    };
    let handler = Arc::new(handler::DeliveryHandler { deps });
    component::run_with_ops("delivery-worker", listener, shutdown, |health, token| {
        consumer::run(spec, consumer_deps, handler, health, token)
    })
    .await
}
