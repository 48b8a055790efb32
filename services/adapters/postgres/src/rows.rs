//! Rows as sqlx reads them, and their conversion into domain types (parse, don't trust).

use saga_core::ports::{OutboxRecord, PortError, StatusChange};
use saga_core::{
    CorrelationId, EventId, IdempotencyKey, Item, Order, OrderId, Owner, Topic, TraceParent,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::corrupt;

/// The columns every order query selects, in this order.
pub(crate) const ORDER_COLUMNS: &str =
    "id, item, status, correlation_id, idempotency_key, owner, created_at, updated_at";

/// The columns every outbox claim selects, in this order.
pub(crate) const OUTBOX_COLUMNS: &str =
    "id, event_id, topic, key, payload, correlation_id, created_at, traceparent";

/// The columns every status-history query selects, in this order.
pub(crate) const HISTORY_COLUMNS: &str = "order_id, from_status, to_status, event_id, changed_at";

/// One row of `order_status_history`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct HistoryRow {
    order_id: i64,
    from_status: String,
    to_status: String,
    event_id: Uuid,
    changed_at: OffsetDateTime,
}

impl TryFrom<HistoryRow> for StatusChange {
    type Error = PortError;

    fn try_from(row: HistoryRow) -> Result<Self, PortError> {
        Ok(StatusChange {
            order_id: OrderId::new(row.order_id).map_err(|e| corrupt("order id", e))?,
            from: row.from_status.parse().map_err(|e| corrupt("status", e))?,
            to: row.to_status.parse().map_err(|e| corrupt("status", e))?,
            event_id: EventId::from_uuid(row.event_id),
            at: row.changed_at,
        })
    }
}

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
    traceparent: Option<String>,
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
            trace: trace(row.traceparent.as_deref()),
        })
    }
}

/// A stored `traceparent`; one that does not parse is dropped rather than failing the read:
/// the trace is a diagnostic and must never stop a row from being published.
pub(crate) fn trace(text: Option<&str>) -> Option<TraceParent> {
    text.and_then(|t| TraceParent::parse(t).ok())
}

pub(crate) fn correlation(text: &str) -> Result<CorrelationId, PortError> {
    CorrelationId::parse(text).ok_or_else(|| corrupt("correlation id", text))
}
