//! `GET /orders/{order_id}`: with an owner (the gateway's API key name), only that owner's
//! orders exist; another's answers 404 exactly as a missing one does, so ids reveal nothing.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use saga_api::{OrderResponse, input};

use crate::AppState;
use crate::error::OrderApiError;

pub(crate) async fn get_order(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
) -> Result<Json<OrderResponse>, OrderApiError> {
    let id = input::order_id(&order_id)?;
    let owner = input::owner(&headers)?;
    match state.deps.store.get_order(id).await? {
        Some(order) if owner.is_none() || order.owner == owner => {
            Ok(Json(OrderResponse::from(&order)))
        }
        _ => Err(OrderApiError::NotFound(order_id)),
    }
}
