//! The outbox relay: claims committed outbox rows (never a row another relay holds), publishes
//! them with durable acknowledgement, and only then marks them published. A crash between
//! publish and mark publishes the rows again; consumers deduplicate by event id.

mod config;
mod relay_loop;

use std::sync::Arc;

use saga_core::ports::{Clock, EventBus, OrderStore};
use saga_runtime::health::Health;
use saga_runtime::{CancellationToken, Listener, ops, serve, shutdown};

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
    saga_runtime::metrics::prometheus();
    let token = CancellationToken::new();
    let health = Health::new();
    let ops = serve::http(
        listener,
        ops::router("outbox-relay", health.clone()),
        token.clone(),
    );
    let relay = relay_loop::run(deps, config, health, token.clone());
    let work = async {
        let (served, ()) = tokio::join!(ops, relay);
        served
    };
    shutdown::drive("outbox-relay", shutdown, token, work).await
}
