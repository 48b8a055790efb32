//! The operations endpoints every component serves: `/health` and `/metrics`.

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::health::Health;

/// `/health` (200 when `health` is connected and not stalled, else 503 saying which) and
/// `/metrics` (Prometheus text).
pub fn router(component: &'static str, health: Health) -> Router {
    Router::new()
        .route(
            "/health",
            get(move || async move {
                let (status, body) = if let Some(stalled) = health.stalled_for() {
                    let body = json!({"component": component, "status": "stalled",
                                      "stalled_seconds": stalled.as_secs()});
                    (StatusCode::SERVICE_UNAVAILABLE, body)
                } else if health.is_ready() {
                    (
                        StatusCode::OK,
                        json!({"component": component, "status": "ok"}),
                    )
                } else {
                    let body = json!({"component": component, "status": "unavailable"});
                    (StatusCode::SERVICE_UNAVAILABLE, body)
                };
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
