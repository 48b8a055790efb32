//! `GET /orders/{order_id}`: forward to the Order API.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use saga_core::{CorrelationId, OrderId};

use super::forward::{correlation_header, pass_through};
use crate::AppState;
use crate::error::GatewayError;

/// Read an order: its item, status and timestamps.
#[utoipa::path(
    get,
    path = "/orders/{order_id}",
    params(("order_id" = i64, Path, description = "The id `POST /place-order` returned")),
    responses(
        (status = 200, description = "The order", body = saga_api::OrderResponse),
        (status = 400, description = "Not a positive integer id", body = saga_api::ErrorBody),
        (status = 404, description = "No such order", body = saga_api::ErrorBody),
        (status = 503, description = "Order service unavailable", body = saga_api::ErrorBody),
        (status = 504, description = "Order service timed out", body = saga_api::ErrorBody),
    ),
    tag = "orders"
)]
pub(crate) async fn get_order(
    State(state): State<AppState>,
    Extension(correlation_id): Extension<CorrelationId>,
    Path(order_id): Path<String>,
) -> Result<Response, GatewayError> {
    let id: OrderId = order_id
        .parse()
        .map_err(|e: saga_core::domain::OrderIdError| GatewayError::Invalid {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_order_id",
            message: e.to_string(),
        })?;
    let path = format!("/orders/{id}");
    let headers = vec![correlation_header(&correlation_id)];
    let answer = state
        .upstream
        .send(Method::GET, &path, headers, Default::default())
        .await?;
    pass_through(answer)
}
