//! The outbox relay: claims committed outbox rows (never a row another relay holds), publishes
//! them with durable acknowledgement, and only then marks them published. A crash between
//! publish and mark publishes the rows again; consumers deduplicate by event id.

mod config;
mod relay_loop;

use std::sync::Arc;

use saga_core::ports::{Clock, EventBus, OrderStore};
use saga_runtime::{Listener, component};

pub use config::RelayConfig;

/// What the relay needs from the outside world.
#[derive(Clone)]
pub struct RelayDeps {
    pub store: Arc<dyn OrderStore>,
    pub bus: Arc<dyn EventBus>,
    pub clock: Arc<dyn Clock>,
}

/// Relays until `shutdown` resolves, serving `/health` and `/metrics` on `listener`.
///
/// # Errors
/// An I/O error from the ops server, or overrunning the shutdown grace period.
pub async fn run<L>(
    deps: RelayDeps,
    config: RelayConfig,
    listener: L,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()>
where
    L: Listener,
    L::Addr: std::fmt::Debug,
{
    component::run_with_ops("outbox-relay", listener, shutdown, |health, token| {
        relay_loop::run(deps, config, health, token)
    })
    .await
}
