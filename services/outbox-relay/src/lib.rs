//! The outbox relay: claims committed outbox rows (never a row another relay holds), publishes
//! them with durable acknowledgement, and only then marks them published. A crash between
//! publish and mark publishes the rows again; consumers deduplicate by event id. Beside it run
//! the stuck-order reconciler and retention (see `housekeeping`).

mod config;
mod housekeeping;
mod relay_loop;

use std::pin::Pin;
use std::sync::Arc;

use saga_core::redelivery::Window;

use saga_core::ports::{Clock, EventBus, OrderStore};
use saga_runtime::{Listener, component};

pub use config::{
    MIN_IDEMPOTENCY_WINDOW, ReconcileConfig, RelayConfig, RetentionConfig, UnsafeRetention,
};

/// What the relay needs from the outside world.
#[derive(Clone)]
pub struct RelayDeps {
    pub store: Arc<dyn OrderStore>,
    pub bus: Arc<dyn EventBus>,
    pub clock: Arc<dyn Clock>,
    /// The `payments` topic's redelivery window, read again at each retention pass: processed
    /// events are pruned only while their retention still covers it. `None` where no window
    /// applies (then only the start-up check stands).
    pub redelivery: Option<WindowSource>,
}

/// Reads the current redelivery window (or why it cannot).
pub type WindowSource =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<Window, String>> + Send>> + Send + Sync>;

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
    let stall_after = config.stall_after;
    component::run_with_ops(
        "outbox-relay",
        stall_after,
        listener,
        shutdown,
        |health, token| async move {
            let (reconcile, retention) = (config.reconcile, config.retention);
            // The `reconciler-off` mutant: the reconciler is never started.
            let off = saga_core::mutant::active(saga_core::mutant::Mutant::ReconcilerOff);
            let reconcile = (!off).then_some(reconcile);
            tokio::join!(
                relay_loop::run(deps.clone(), config, health, token.clone()),
                housekeeping::run(&deps, reconcile, retention, &token),
            );
        },
    )
    .await
}
