//! The API gateway: the saga's public HTTP API (DESIGN §2). Validates input at the edge,
//! assigns correlation ids, and forwards to the Order API through an injected dialer.

mod config;
mod error;
mod handlers;
mod openapi;
mod upstream;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use saga_core::ports::Entropy;
use saga_runtime::correlation::{self, CorrelationLayer};
use saga_runtime::net::{Dialer, http_client};
use saga_runtime::{CancellationToken, Listener, serve, shutdown};

pub use config::{ConfigError, GatewayConfig};
pub use error::GatewayError;
pub use openapi::ApiDoc;
use upstream::Upstream;

/// What the gateway needs from the outside world.
#[derive(Clone)]
pub struct GatewayDeps {
    /// Opens connections to the Order API.
    pub dialer: Arc<dyn Dialer>,
    pub entropy: Arc<dyn Entropy>,
}

#[derive(Clone)]
pub(crate) struct AppState {
    upstream: Upstream,
}

/// The gateway's routes, ready to serve or to test with `oneshot`.
pub fn router(deps: GatewayDeps, config: GatewayConfig) -> Router {
    let layer = CorrelationLayer {
        entropy: deps.entropy.clone(),
        component: "gateway",
    };
    let upstream = Upstream::new(
        http_client(deps.dialer),
        config.order_service_url,
        config.upstream_timeout,
    );
    Router::new()
        .route("/place-order", post(handlers::place_order))
        .route("/orders/{order_id}", get(handlers::get_order))
        .route("/health", get(handlers::health))
        .route("/ready", get(handlers::ready))
        .with_state(AppState { upstream })
        .merge(openapi::routes())
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(axum::middleware::from_fn_with_state(
            layer,
            correlation::middleware,
        ))
}

/// Serves the gateway on `listener` until `shutdown` resolves.
///
/// # Errors
/// An I/O error from the server, or overrunning the shutdown grace period.
pub async fn run<L>(
    deps: GatewayDeps,
    config: GatewayConfig,
    listener: L,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()>
where
    L: Listener,
    L::Addr: std::fmt::Debug,
{
    let token = CancellationToken::new();
    let app = router(deps, config);
    shutdown::drive(
        "gateway",
        shutdown,
        token.clone(),
        serve::http(listener, app, token),
    )
    .await
}
