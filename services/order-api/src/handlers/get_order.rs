//! `GET /orders/{order_id}`.

use axum::Json;
use axum::extract::{Path, State};
use saga_api::OrderResponse;

use super::input;
use crate::AppState;
use crate::error::OrderApiError;

pub(crate) async fn get_order(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
) -> Result<Json<OrderResponse>, OrderApiError> {
    let id = input::order_id(&order_id)?;
    match state.deps.store.get_order(id).await? {
        Some(order) => Ok(Json(OrderResponse::from(&order))),
        None => Err(OrderApiError::NotFound(order_id)),
    }
}
