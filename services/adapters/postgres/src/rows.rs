//! Rows as sqlx reads them, and their conversion into domain types (parse, don't trust).

use saga_core::ports::{OutboxRecord, PortError};
use saga_core::{CorrelationId, EventId, IdempotencyKey, Item, Order, OrderId, Owner, Topic};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::corrupt;

/// The columns every order query selects, in this order.
pub(crate) const ORDER_COLUMNS: &str =
    "id, item, status, correlation_id, idempotency_key, owner, created_at, updated_at";

/// The columns every outbox claim selects, in this order.
pub(crate) const OUTBOX_COLUMNS: &str =
    "id, event_id, topic, key, payload, correlation_id, created_at";

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct OrderRow {
    id: i64,
    item: String,
    status: String,
    correlation_id: String,
    idempotency_key: Option<String>,
    owner: Option<String>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl TryFrom<OrderRow> for Order {
    type Error = PortError;

    fn try_from(row: OrderRow) -> Result<Self, PortError> {
        Ok(Order {
            id: OrderId::new(row.id).map_err(|e| corrupt("order id", e))?,
            item: Item::parse(row.item).map_err(|e| corrupt("item", e))?,
            status: row.status.parse().map_err(|e| corrupt("status", e))?,
            correlation_id: correlation(&row.correlation_id)?,
            idempotency_key: row
                .idempotency_key
                .map(|k| IdempotencyKey::parse(&k).map_err(|e| corrupt("idempotency key", e)))
                .transpose()?,
            owner: row
                .owner
                .map(|o| Owner::parse(&o).map_err(|e| corrupt("owner", e)))
                .transpose()?,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct OutboxRow {
    id: i64,
    event_id: Uuid,
    topic: String,
    key: String,
    payload: Vec<u8>,
    correlation_id: String,
    created_at: OffsetDateTime,
}

impl TryFrom<OutboxRow> for OutboxRecord {
    type Error = PortError;

    fn try_from(row: OutboxRow) -> Result<Self, PortError> {
        Ok(OutboxRecord {
            id: row.id,
            event_id: EventId::from_uuid(row.event_id),
            topic: Topic::parse(&row.topic).ok_or_else(|| corrupt("topic", &row.topic))?,
            key: row.key,
            payload: row.payload,
            correlation_id: correlation(&row.correlation_id)?,
            created_at: row.created_at,
        })
    }
}

pub(crate) fn correlation(text: &str) -> Result<CorrelationId, PortError> {
    CorrelationId::parse(text).ok_or_else(|| corrupt("correlation id", text))
}
