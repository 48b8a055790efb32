//! Request and response bodies. Wire types only: handlers parse them into domain types.

mod place_order;

use saga_core::Order;
use saga_core::event::format_timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use place_order::PlaceOrderRequest;

/// `202 Accepted` body of `POST /place-order`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlaceOrderResponse {
    #[schema(schema_with = crate::schema::order_id)]
    pub order_id: i64,
    /// `PENDING` for a new order; an idempotent retry reports the order's current status.
    #[schema(schema_with = crate::schema::status)]
    pub status: String,
}

/// `GET /orders/{order_id}` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderResponse {
    #[schema(schema_with = crate::schema::order_id)]
    pub id: i64,
    #[schema(schema_with = crate::schema::item)]
    pub item: String,
    /// `PENDING`, `COMPLETED` or `CANCELLED`.
    #[schema(schema_with = crate::schema::status)]
    pub status: String,
    pub correlation_id: String,
    /// RFC 3339.
    #[schema(schema_with = crate::schema::timestamp)]
    pub created_at: String,
    /// RFC 3339; when the status last changed.
    #[schema(schema_with = crate::schema::timestamp)]
    pub updated_at: String,
}

impl From<&Order> for OrderResponse {
    fn from(order: &Order) -> Self {
        Self {
            id: order.id.get(),
            item: order.item.to_string(),
            status: order.status.as_str().to_owned(),
            correlation_id: order.correlation_id.to_string(),
            created_at: format_timestamp(order.created_at),
            updated_at: format_timestamp(order.updated_at),
        }
    }
}

/// `/health` and `/ready` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HealthResponse {
    #[schema(example = "ok")]
    pub status: String,
    /// What is not ready, when something is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
