//! `/health` and `/ready`: 200 when the order database answers, else 503.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use saga_api::HealthResponse;

use crate::AppState;

pub(crate) async fn health(State(state): State<AppState>) -> (StatusCode, Json<HealthResponse>) {
    match state.deps.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(HealthResponse {
                status: "ok".into(),
                detail: None,
            }),
        ),
        Err(error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(HealthResponse {
                status: "unavailable".into(),
                detail: Some(error.to_string()),
            }),
        ),
    }
}
