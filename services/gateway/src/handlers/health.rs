//! `/health` (the gateway itself) and `/ready` (the gateway and the Order API with its
//! database).

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use saga_api::HealthResponse;

use crate::AppState;

/// Gateway liveness.
#[utoipa::path(get, path = "/health", responses((status = 200, body = HealthResponse)), tag = "operations")]
pub(crate) async fn health() -> Json<HealthResponse> {
    Json(HealthResponse {
        status: "ok".into(),
        detail: None,
    })
}

/// Readiness: 200 only when the Order API and its database answer.
#[utoipa::path(
    get,
    path = "/ready",
    responses((status = 200, body = HealthResponse), (status = 503, body = HealthResponse)),
    tag = "operations"
)]
pub(crate) async fn ready(State(state): State<AppState>) -> (StatusCode, Json<HealthResponse>) {
    let detail = match state
        .upstream
        .send(Method::GET, "/health", vec![], Default::default())
        .await
    {
        Ok(answer) if answer.status == StatusCode::OK => {
            return (
                StatusCode::OK,
                Json(HealthResponse {
                    status: "ok".into(),
                    detail: None,
                }),
            );
        }
        Ok(answer) => format!("order service answered {}", answer.status),
        Err(error) => error.to_string(),
    };
    let body = HealthResponse {
        status: "unavailable".into(),
        detail: Some(detail),
    };
    (StatusCode::SERVICE_UNAVAILABLE, Json(body))
}
