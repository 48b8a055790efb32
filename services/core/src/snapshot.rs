//! The saga's durable state as plain data: everything in the order store, decision store,
//! delivery store and event bus, plus what clients were told. Every adapter can produce its
//! part (the memory adapters directly, the real ones through their snapshot readers), and the
//! invariant checker (`testing/checker`) judges the whole.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::domain::{EventId, IdempotencyKey, Order, OrderId, OrderStatus, PaymentDecision};
use crate::ports::DeliveryAssignment;
use crate::topic::Topic;

/// An order a client received `202 Accepted` for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledged {
    pub order_id: OrderId,
    pub idempotency_key: Option<IdempotencyKey>,
}

/// One applied status change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub order_id: OrderId,
    pub from: OrderStatus,
    pub to: OrderStatus,
    /// The payment event that caused it.
    pub event_id: EventId,
}

/// One outbox row, as far as the checker cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub event_id: EventId,
    pub order_id: Option<OrderId>,
    pub published: bool,
    /// An order's ORDER_CREATED (not its ORDER_COMPLETED).
    pub order_created: bool,
}

/// The order store's durable state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderStoreSnapshot {
    pub orders: Vec<Order>,
    pub outbox: Vec<OutboxRow>,
    pub processed_events: Vec<EventId>,
    /// Every status change ever applied, when the store keeps that history (the memory
    /// model does; PostgreSQL only has the current status).
    pub status_changes: Option<Vec<StatusChange>>,
}

/// One record of a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicRecord {
    pub topic: Topic,
    pub partition: u32,
    pub offset: u64,
    pub key: Option<String>,
    pub payload: Vec<u8>,
    /// When the broker took the record (Kafka's record timestamp), when the bus keeps one: the
    /// explorer shows it as the publish time.
    pub timestamp: Option<OffsetDateTime>,
}

/// A consumer group's committed offsets (the next offset it will read, per partition).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupOffsets {
    pub group: String,
    pub committed: BTreeMap<(Topic, u32), u64>,
}

/// Every topic read to the end, and the groups' positions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusSnapshot {
    pub records: Vec<TopicRecord>,
    /// Offset one past the last record, per partition.
    pub end_offsets: BTreeMap<(Topic, u32), u64>,
    pub groups: Vec<GroupOffsets>,
}

/// The whole system at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemSnapshot {
    pub acknowledged: Vec<Acknowledged>,
    pub store: OrderStoreSnapshot,
    pub decisions: Vec<(EventId, PaymentDecision)>,
    pub deliveries: Vec<DeliveryAssignment>,
    pub bus: BusSnapshot,
}
