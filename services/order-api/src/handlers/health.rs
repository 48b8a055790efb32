//! `/health` and `/ready`: 200 when the order database answers, else 503.
//!
//! A readiness probe must answer quickly whatever the database does: a database that is down
//! makes the pool retry its connect until the call deadline (`DATABASE_CALL_TIMEOUT_SECONDS`,
//! 10 s by default), longer than the gateway's upstream timeout and any orchestrator's probe.
//! So the probe has its own, shorter deadline and says "did not answer" when it passes.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use saga_api::HealthResponse;

use crate::AppState;

/// How long `/health` waits for the database before answering 503.
pub const PROBE_DEADLINE: Duration = Duration::from_secs(1);

pub(crate) async fn health(State(state): State<AppState>) -> (StatusCode, Json<HealthResponse>) {
    let detail = match tokio::time::timeout(PROBE_DEADLINE, state.deps.store.ping()).await {
        Ok(Ok(())) => {
            let body = HealthResponse {
                status: "ok".into(),
                detail: None,
            };
            return (StatusCode::OK, Json(body));
        }
        Ok(Err(error)) => error.to_string(),
        Err(_) => format!("the order database did not answer within {PROBE_DEADLINE:?}"),
    };
    let body = HealthResponse {
        status: "unavailable".into(),
        detail: Some(detail),
    };
    (StatusCode::SERVICE_UNAVAILABLE, Json(body))
}
