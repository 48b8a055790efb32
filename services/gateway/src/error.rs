//! The gateway's one error type.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use saga_api::ApiError;

/// Everything a gateway request can fail with that is the gateway's own doing.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("{message}")]
    Invalid {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    #[error("the Order API did not answer within {0:?}")]
    UpstreamTimeout(std::time::Duration),
    #[error("the Order API is unreachable: {0}")]
    UpstreamUnavailable(String),
    #[error("the Order API answered {0}")]
    BadGateway(StatusCode),
}

impl IntoResponse for GatewayError {
    fn into_response(self) -> Response {
        let error = match &self {
            Self::Invalid {
                status,
                code,
                message,
            } => ApiError::new(*status, code, message.clone()),
            Self::UpstreamTimeout(_) => {
                tracing::warn!(error = %self, "upstream timeout");
                ApiError::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    "upstream_timeout",
                    "the order service did not answer in time",
                )
            }
            Self::UpstreamUnavailable(_) => {
                tracing::warn!(error = %self, "upstream unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "upstream_unavailable",
                    "the order service is unavailable",
                )
            }
            Self::BadGateway(_) => {
                tracing::error!(error = %self, "unexpected upstream answer");
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "bad_gateway",
                    "the order service failed",
                )
            }
        };
        error.into_response()
    }
}
