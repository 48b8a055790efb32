//! The global concurrency limit and the whole-request timeout, from tower: at most
//! `max_concurrent` order requests in flight (more are shed at once with 503 and
//! `Retry-After`, not queued), and none longer than `request_timeout` (408).

use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use saga_api::ApiError;
use tower::BoxError;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower::load_shed::error::Overloaded;
use tower::timeout::TimeoutLayer;
use tower::timeout::error::Elapsed;

use crate::config::Limits;

/// `router` behind both limits.
pub(crate) fn apply(router: Router, limits: &Limits) -> Router {
    router.layer(
        tower::ServiceBuilder::new()
            .layer(HandleErrorLayer::new(handle))
            .layer(TimeoutLayer::new(limits.request_timeout))
            .layer(LoadShedLayer::new())
            .layer(GlobalConcurrencyLimitLayer::new(limits.max_concurrent)),
    )
}

async fn handle(error: BoxError) -> Response {
    rejection(&error, Duration::from_secs(1))
}

/// The JSON answer to a request the limits refused.
fn rejection(error: &BoxError, retry_after: Duration) -> Response {
    if error.is::<Overloaded>() {
        saga_api::rejections::count("overloaded");
        let message = "the gateway is at its limit of requests in flight; retry shortly";
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", message)
            .retry_after(retry_after)
            .into_response();
    }
    if error.is::<Elapsed>() {
        saga_api::rejections::count("request_timeout");
        let message = "the request was not completed in time";
        return ApiError::new(StatusCode::REQUEST_TIMEOUT, "request_timeout", message)
            .into_response();
    }
    tracing::error!(%error, "unexpected middleware error");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the gateway failed",
    )
    .into_response()
}
