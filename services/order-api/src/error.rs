//! The Order API's one error type.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use saga_api::ApiError;
use saga_core::ports::PortError;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum OrderApiError {
    /// Bad input: the 4xx [`saga_api::input`] chose.
    #[error(transparent)]
    Invalid(#[from] ApiError),
    #[error("order {0} not found")]
    NotFound(String),
    #[error("Idempotency-Key was already used for a different item")]
    KeyReused,
    #[error("order store unavailable: {0}")]
    Store(#[from] PortError),
}

impl IntoResponse for OrderApiError {
    fn into_response(self) -> Response {
        let error = match &self {
            Self::Invalid(error) => error.clone(),
            Self::NotFound(_) => {
                ApiError::new(StatusCode::NOT_FOUND, "order_not_found", self.to_string())
            }
            Self::KeyReused => ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_reused",
                self.to_string(),
            ),
            Self::Store(cause) => {
                // 5xx bodies stay generic; the cause goes to the log.
                tracing::error!(%cause, "order store call failed");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "the order database is unavailable",
                )
            }
        };
        error.into_response()
    }
}
