//! The shape every background component shares: its work loop beside a `/health` and
//! `/metrics` server, both stopped by one shutdown, bounded by the grace period.

use std::future::Future;

use axum::serve::Listener;
use tokio_util::sync::CancellationToken;

use crate::health::Health;
use crate::{ops, serve, shutdown};

/// Runs `work` (given the component's health, stalled after `stall_after` of work without
/// progress, and the cancellation token its loops must watch) and serves the ops endpoints on `listener`, until `shutdown` resolves.
///
/// # Errors
/// An I/O error from the ops server, or overrunning the shutdown grace period.
pub async fn run_with_ops<L, W, F>(
    component: &'static str,
    stall_after: std::time::Duration,
    listener: L,
    shutdown: impl Future<Output = ()> + Send,
    work: W,
) -> std::io::Result<()>
where
    L: Listener,
    L::Addr: std::fmt::Debug,
    W: FnOnce(Health, CancellationToken) -> F,
    F: Future<Output = ()>,
{
    let routes = axum::Router::new();
    run_with_routes(component, stall_after, listener, shutdown, routes, work).await
}

/// [`run_with_ops`], serving `routes` beside the ops endpoints.
///
/// # Errors
/// As [`run_with_ops`].
pub async fn run_with_routes<L, W, F>(
    component: &'static str,
    stall_after: std::time::Duration,
    listener: L,
    shutdown: impl Future<Output = ()> + Send,
    routes: axum::Router,
    work: W,
) -> std::io::Result<()>
where
    L: Listener,
    L::Addr: std::fmt::Debug,
    W: FnOnce(Health, CancellationToken) -> F,
    F: Future<Output = ()>,
{
    crate::metrics::prometheus();
    let token = CancellationToken::new();
    let health = Health::with_stall_after(stall_after);
    let ops = serve::http(
        listener,
        ops::router(component, health.clone()).merge(routes),
        token.clone(),
    );
    let work = work(health, token.clone());
    let both = async {
        let (served, ()) = tokio::join!(ops, work);
        served
    };
    shutdown::drive(component, shutdown, token, both).await
}
