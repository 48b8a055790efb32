//! Graceful shutdown: Ctrl-C or SIGTERM for processes, a future for everything else, and a
//! bound on how long a component may take to stop.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How long a component gets to finish in-flight work after shutdown is requested.
pub const GRACE: Duration = Duration::from_secs(10);

/// Resolves on Ctrl-C or SIGTERM.
pub async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Runs `work` until it ends or `shutdown` resolves; on shutdown cancels `token` (which the
/// work's loops watch) and gives the work [`GRACE`] to finish.
///
/// # Errors
/// Whatever `work` returns, or a timeout error when it overran the grace period.
pub async fn drive<T>(
    component: &'static str,
    shutdown: impl Future<Output = ()>,
    token: CancellationToken,
    work: impl Future<Output = std::io::Result<T>>,
) -> std::io::Result<T> {
    tokio::pin!(work);
    tokio::select! {
        biased;
        result = &mut work => {
            token.cancel();
            tracing::info!(component, ok = result.is_ok(), "component stopped by itself");
            return result;
        }
        () = shutdown => {}
    }
    tracing::info!(component, "shutdown requested");
    token.cancel();
    match tokio::time::timeout(GRACE, work).await {
        Ok(result) => {
            tracing::info!(
                component,
                ok = result.is_ok(),
                "component stopped gracefully"
            );
            result
        }
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("{component} did not stop within {GRACE:?}"),
        )),
    }
}
