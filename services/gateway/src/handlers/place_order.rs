//! `POST /place-order`: validate at the edge, then forward to the Order API.

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use saga_api::{ApiJson, PlaceOrderRequest};
use saga_core::{CorrelationId, IdempotencyKey, Item};

use super::forward::{correlation_header, pass_through};
use crate::AppState;
use crate::error::GatewayError;

/// Place an order. It starts `PENDING` and becomes `COMPLETED` or `CANCELLED` once payment is
/// decided; poll `GET /orders/{order_id}`.
#[utoipa::path(
    post,
    path = "/place-order",
    request_body = PlaceOrderRequest,
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the same order, never a second one (1-255 visible ASCII characters)."),
        ("X-Correlation-ID" = Option<String>, Header, description = "Generated when absent; echoed on the response and carried by every event and log line."),
    ),
    responses(
        (status = 202, description = "Order accepted", body = saga_api::PlaceOrderResponse),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = saga_api::ErrorBody),
        (status = 409, description = "Idempotency-Key already used for a different item", body = saga_api::ErrorBody),
        (status = 413, description = "Body too large", body = saga_api::ErrorBody),
        (status = 415, description = "Not `application/json`", body = saga_api::ErrorBody),
        (status = 422, description = "Missing or invalid `item`", body = saga_api::ErrorBody),
        (status = 503, description = "Order service unavailable", body = saga_api::ErrorBody),
        (status = 504, description = "Order service timed out", body = saga_api::ErrorBody),
    ),
    tag = "orders"
)]
pub(crate) async fn place_order(
    State(state): State<AppState>,
    Extension(correlation_id): Extension<CorrelationId>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PlaceOrderRequest>,
) -> Result<Response, GatewayError> {
    let item = Item::parse(request.item).map_err(|e| GatewayError::Invalid {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: "invalid_item",
        message: e.to_string(),
    })?;
    let mut forwarded = vec![
        correlation_header(&correlation_id),
        (
            header::CONTENT_TYPE.as_str(),
            HeaderValue::from_static("application/json"),
        ),
    ];
    if let Some(key) = idempotency_key(&headers)? {
        let value = HeaderValue::from_str(key.as_str()).expect("keys are visible ASCII");
        forwarded.push((saga_api::IDEMPOTENCY_KEY, value));
    }
    let body = serde_json::to_vec(&PlaceOrderRequest {
        item: item.to_string(),
    })
    .expect("a request body always serializes");
    let answer = state
        .upstream
        .send(Method::POST, "/orders", forwarded, body.into())
        .await?;
    pass_through(answer)
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<IdempotencyKey>, GatewayError> {
    let Some(value) = headers.get(saga_api::IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let invalid = |message: String| GatewayError::Invalid {
        status: StatusCode::BAD_REQUEST,
        code: "invalid_idempotency_key",
        message,
    };
    let text = value
        .to_str()
        .map_err(|_| invalid("Idempotency-Key must be visible ASCII".into()))?;
    IdempotencyKey::parse(text)
        .map(Some)
        .map_err(|e| invalid(e.to_string()))
}
