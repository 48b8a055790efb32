//! What the gateway tells the Order API (correlation id, owner), and turning its answer into
//! the gateway's: 2xx, 4xx and 503 pass through with their body; any other 5xx becomes 502.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use saga_api::auth::Principal;
use saga_core::CorrelationId;

use crate::error::GatewayError;
use crate::upstream::UpstreamResponse;

pub(crate) fn correlation_header(id: &CorrelationId) -> (&'static str, HeaderValue) {
    let value = HeaderValue::from_str(id.as_str()).expect("correlation ids are visible ASCII");
    (saga_runtime::correlation::HEADER, value)
}

/// Who the Order API should store as the order's owner and match on reads: the key's name;
/// nothing when authentication is off.
pub(crate) fn owner_header(principal: Option<&Principal>) -> Option<(&'static str, HeaderValue)> {
    let principal = principal?;
    let value = HeaderValue::from_str(principal.owner.as_str()).expect("owners are plain ASCII");
    Some((saga_api::OWNER_HEADER, value))
}

pub(crate) fn pass_through(upstream: UpstreamResponse) -> Result<Response, GatewayError> {
    let status = upstream.status;
    let passes = status.is_success()
        || status.is_client_error()
        || status == StatusCode::SERVICE_UNAVAILABLE;
    if !passes {
        return Err(GatewayError::BadGateway(status));
    }
    let mut response = (status, upstream.body).into_response();
    let json = HeaderValue::from_static("application/json");
    let content_type = upstream
        .headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(json);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        let retry = HeaderValue::from_static(crate::error::RETRY_AFTER_SECONDS);
        response.headers_mut().insert(header::RETRY_AFTER, retry);
    }
    if let Some(replayed) = upstream.headers.get(saga_api::IDEMPOTENT_REPLAYED) {
        response
            .headers_mut()
            .insert(saga_api::IDEMPOTENT_REPLAYED, replayed.clone());
    }
    Ok(response)
}
