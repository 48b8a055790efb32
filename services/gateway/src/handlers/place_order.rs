//! `POST /place-order`: validate at the edge, then forward to the Order API.

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::Response;
use saga_api::auth::Principal;
use saga_api::{ApiJson, PlaceOrderRequest, input};
use saga_core::{CorrelationId, TraceParent};

use super::forward::{correlation_header, owner_header, pass_through};
use crate::AppState;
use crate::error::GatewayError;

/// Place an order. It starts `PENDING` and becomes `COMPLETED` or `CANCELLED` once payment is
/// decided; poll `GET /orders/{order_id}`.
#[utoipa::path(
    post,
    path = "/place-order",
    request_body = PlaceOrderRequest,
    params(saga_api::schema::PlaceOrderHeaders),
    responses(
        (status = 202, description = "Order accepted", body = saga_api::PlaceOrderResponse,
            links(("GetOrder" = (
                operation_id = "get_order",
                parameters(("order_id" = "$response.body#/order_id")),
                description = "Follow the order to its end"
            )))),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = saga_api::ErrorBody),
        (status = 409, description = "Idempotency-Key already used for a different item", body = saga_api::ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = saga_api::ErrorBody),
        (status = 415, description = "Not `application/json`", body = saga_api::ErrorBody),
        (status = 422, description = "Not an object with exactly a valid `item`", body = saga_api::ErrorBody),
        crate::openapi::Refusals,
    ),
    security(("api_key" = [])),
    tag = "orders"
)]
pub(crate) async fn place_order(
    State(state): State<AppState>,
    Extension(correlation_id): Extension<CorrelationId>,
    Extension(trace): Extension<TraceParent>,
    principal: Option<Principal>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PlaceOrderRequest>,
) -> Result<Response, GatewayError> {
    let item = input::item(request.item)?;
    let mut forwarded = vec![
        correlation_header(&correlation_id),
        saga_runtime::trace_context::header(&trace),
        (
            header::CONTENT_TYPE.as_str(),
            HeaderValue::from_static("application/json"),
        ),
    ];
    forwarded.extend(owner_header(principal.as_ref()));
    if let Some(key) = input::idempotency_key(&headers)? {
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
