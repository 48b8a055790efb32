//! Serving an axum router on any listener (TCP or simulated) until shutdown.

mod quiet;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::serve::Listener;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio_util::sync::CancellationToken;

pub use quiet::HeaderTimeout;
use quiet::{Counted, Marking, ReadCount};

/// A component that is only an HTTP server (the Order API, the explorer): serves `router` on
/// `listener` with metrics installed until `shutdown` resolves, then drains within the grace
/// period ([`crate::shutdown::drive`]).
///
/// # Errors
/// An I/O error from the server, or overrunning the shutdown grace period.
pub async fn component<L>(
    name: &'static str,
    listener: L,
    router: Router,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()>
where
    L: Listener,
    L::Addr: std::fmt::Debug,
{
    crate::metrics::prometheus();
    let token = CancellationToken::new();
    crate::shutdown::drive(name, shutdown, token.clone(), http(listener, router, token)).await
}

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

/// Like [`http`] (HTTP/1.1 only), for a public server: a connection whose request line and
/// headers take longer than `header_timeout` to arrive is closed, which `axum::serve` cannot
/// do (hyper's `header_read_timeout`), and so is one that stays quiet that long between
/// requests. `on_header_timeout` runs for each such connection, told which it was.
///
/// # Errors
/// None today: accepting retries by itself; kept for the same signature as [`http`].
pub async fn http_public<L>(
    mut listener: L,
    router: Router,
    token: CancellationToken,
    header_timeout: Duration,
    on_header_timeout: fn(HeaderTimeout),
) -> std::io::Result<()>
where
    L: Listener,
{
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let graceful = GracefulShutdown::new();
    loop {
        let (io, _) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = token.cancelled() => break,
        };
        let count = Arc::new(ReadCount::default());
        let service = Marking {
            inner: TowerToHyperService::new(router.clone()),
            count: count.clone(),
        };
        let io = TokioIo::new(Counted {
            inner: io,
            count: count.clone(),
        });
        let connection = graceful.watch(builder.serve_connection(io, service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                if error.is_timeout() {
                    on_header_timeout(count.timeout());
                }
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
