//! `GET /orders/{order_id}`: forward to the Order API.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use saga_api::auth::Principal;
use saga_core::{CorrelationId, TraceParent};

use super::forward::{correlation_header, owner_header, pass_through};
use crate::AppState;
use crate::error::GatewayError;

/// Read an order: its item, status and timestamps.
#[utoipa::path(
    get,
    path = "/orders/{order_id}",
    params(saga_api::schema::OrderPath),
    responses(
        (status = 200, description = "The order", body = saga_api::OrderResponse),
        (status = 400, description = "Not a positive integer id", body = saga_api::ErrorBody),
        (status = 404, description = "No such order, or another API key's", body = saga_api::ErrorBody),
        crate::openapi::Refusals,
    ),
    security(("api_key" = [])),
    tag = "orders"
)]
pub(crate) async fn get_order(
    State(state): State<AppState>,
    Extension(correlation_id): Extension<CorrelationId>,
    Extension(trace): Extension<TraceParent>,
    principal: Option<Principal>,
    Path(order_id): Path<String>,
) -> Result<Response, GatewayError> {
    let id = saga_api::input::order_id(&order_id)?;
    let path = format!("/orders/{id}");
    let mut headers = vec![
        correlation_header(&correlation_id),
        saga_runtime::trace_context::header(&trace),
    ];
    headers.extend(owner_header(principal.as_ref()));
    let answer = state
        .upstream
        .send(Method::GET, &path, headers, Default::default())
        .await?;
    pass_through(answer)
}
