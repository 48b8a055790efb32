//! An order as stored and served.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{CorrelationId, IdempotencyKey, Item, OrderId, OrderStatus, Owner};

/// One order row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    pub item: Item,
    pub status: OrderStatus,
    pub correlation_id: CorrelationId,
    pub idempotency_key: Option<IdempotencyKey>,
    /// The API key that placed it; `None` when authentication was off.
    #[serde(default)]
    pub owner: Option<Owner>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}
