//! The operations endpoints every component serves: `/health` and `/metrics`.

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::health::Health;

/// `/health` (200 when `health` is ready, else 503) and `/metrics` (Prometheus text).
pub fn router(component: &'static str, health: Health) -> Router {
    Router::new()
        .route(
            "/health",
            get(move || async move {
                let ready = health.is_ready();
                let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
                let body = json!({"component": component, "status": if ready { "ok" } else { "unavailable" }});
                (status, axum::Json(body))
            }),
        )
        .route("/metrics", get(metrics))
}

async fn metrics() -> Response {
    let headers = [(
        axum::http::header::CONTENT_TYPE,
        "text/plain; version=0.0.4",
    )];
    (headers, crate::metrics::render()).into_response()
}
