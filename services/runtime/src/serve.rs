//! Serving an axum router on any listener (TCP or simulated) until shutdown.

use axum::Router;
use axum::serve::Listener;
use tokio_util::sync::CancellationToken;

/// Serves `router` on `listener` until `token` is cancelled, then finishes in-flight requests.
///
/// # Errors
/// An I/O error from the server.
pub async fn http<L>(listener: L, router: Router, token: CancellationToken) -> std::io::Result<()>
where
    L: Listener,
    L::Addr: std::fmt::Debug,
{
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { token.cancelled().await })
        .await
}
