//! The API gateway: the saga's public HTTP API. Authenticates API keys, limits each key's rate,
//! the requests in flight and how long any request may take, validates input at the edge,
//! assigns correlation ids, and forwards to the Order API through an injected dialer.

mod config;
mod error;
mod handlers;
mod limits;
mod openapi;
mod upstream;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use saga_api::auth::{RequireKey, Role, require_key};
use saga_core::ports::Entropy;
use saga_runtime::correlation::{self, CorrelationLayer};
use saga_runtime::net::{Dialer, http_client};
use saga_runtime::{CancellationToken, Listener, serve, shutdown};
use tower_http::timeout::RequestBodyTimeoutLayer;

/// Connections closed for staying quiet the header timeout long (before their first request
/// or between two): counted apart from rejections, as keep-alive pools do it all the time.
pub const IDLE_CLOSED: &str = "saga_http_idle_closed_total";

pub use config::{ConfigError, GatewayConfig, Limits, api_keys_from_lookup};
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

/// The gateway's routes, ready to serve or to test with `oneshot`. The order routes sit behind
/// the API-key check (unless authentication is off), the per-key rate limit, the concurrency
/// limit and the request timeout; `/health`, `/ready`, `/metrics` and the docs are open.
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
    let state = AppState { upstream };
    let limits = config.limits;
    let mut orders = Router::new()
        .route("/place-order", post(handlers::place_order))
        .route("/orders/{order_id}", get(handlers::get_order))
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            limits::rate::RateLimit::new(&limits),
            limits::rate::middleware,
        ));
    let authenticated = config.api_keys.is_some();
    if let Some(keys) = config.api_keys {
        let require = RequireKey {
            keys,
            role: Role::Client,
        };
        orders = orders.layer(axum::middleware::from_fn_with_state(require, require_key));
    }
    let orders = limits::overload::apply(orders, &limits);
    Router::new()
        .route("/health", get(handlers::health))
        .route("/ready", get(handlers::ready))
        .with_state(state)
        .merge(orders)
        .route(
            "/metrics",
            get(|| async { saga_runtime::metrics::render() }),
        )
        .merge(openapi::routes(authenticated))
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(RequestBodyTimeoutLayer::new(limits.body_timeout))
        .layer(axum::middleware::from_fn_with_state(
            layer,
            correlation::middleware,
        ))
}

/// Serves the gateway on `listener` until `shutdown` resolves, closing connections that do
/// not send their headers within the header timeout.
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
    saga_runtime::metrics::prometheus();
    let token = CancellationToken::new();
    let header_timeout = config.limits.header_timeout;
    match &config.api_keys {
        Some(keys) => tracing::info!(keys = keys.len(), "API keys required"),
        None => tracing::warn!("authentication is off: anyone who reaches the gateway may use it"),
    }
    let app = router(deps, config);
    let served =
        serve::http_public(
            listener,
            app,
            token.clone(),
            header_timeout,
            |ended| match ended {
                serve::HeaderTimeout::MidHead => saga_api::rejections::count("header_timeout"),
                serve::HeaderTimeout::Quiet => metrics::counter!(IDLE_CLOSED).increment(1),
            },
        );
    shutdown::drive("gateway", shutdown, token, served).await
}
