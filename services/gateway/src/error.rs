//! The gateway's one error type.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use saga_api::ApiError;

/// `Retry-After` on every 503: the order service is usually back within a second or two.
pub(crate) const RETRY_AFTER_SECONDS: &str = "1";

/// Everything a gateway request can fail with that is the gateway's own doing.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// Bad input: the 4xx [`saga_api::input`] chose.
    #[error(transparent)]
    Invalid(#[from] ApiError),
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
            Self::Invalid(error) => error.clone(),
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
                .retry_after(std::time::Duration::from_secs(1))
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
