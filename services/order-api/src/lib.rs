//! The Order API (internal): `POST /orders`, `GET /orders/{id}`, `/health`, `/ready`,
//! `/metrics`. Only this service, the relay and the status worker touch order data.

mod config;
mod error;
mod handlers;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use saga_core::ports::{Clock, Entropy, OrderStore};
use saga_runtime::correlation::{self, CorrelationLayer};
use saga_runtime::{Listener, serve};

pub use config::OrderApiConfig;
pub use error::OrderApiError;
pub use handlers::PROBE_DEADLINE;

/// What the Order API needs from the outside world.
#[derive(Clone)]
pub struct OrderApiDeps {
    pub store: Arc<dyn OrderStore>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
}

#[derive(Clone)]
pub(crate) struct AppState {
    deps: OrderApiDeps,
    schema: saga_core::event::Schema,
}

/// The Order API's routes, ready to serve or to test with `oneshot`.
pub fn router(deps: OrderApiDeps, config: OrderApiConfig) -> Router {
    let layer = CorrelationLayer {
        entropy: deps.entropy.clone(),
        component: "order-api",
    };
    let body_limit = config.body_limit;
    let state = AppState {
        deps,
        schema: config.schema,
    };
    Router::new()
        .route("/orders", post(handlers::create_order))
        .route("/orders/{order_id}", get(handlers::get_order))
        .route("/health", get(handlers::health))
        .route("/ready", get(handlers::health))
        .with_state(state)
        .merge(Router::new().route(
            "/metrics",
            get(|| async { saga_runtime::metrics::render() }),
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            layer,
            correlation::middleware,
        ))
}

/// Serves the Order API on `listener` until `shutdown` resolves.
///
/// # Errors
/// An I/O error from the server, or overrunning the shutdown grace period.
pub async fn run<L>(
    deps: OrderApiDeps,
    config: OrderApiConfig,
    listener: L,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()>
where
    L: Listener,
    L::Addr: std::fmt::Debug,
{
    serve::component("order-api", listener, router(deps, config), shutdown).await
}
