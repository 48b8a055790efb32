//! The state the checker reads: everything durable in the order store, decision store,
//! delivery store and event bus, plus what clients were told.

use std::collections::BTreeMap;

use crate::domain::{EventId, IdempotencyKey, Order, OrderId, PaymentDecision};
use crate::ports::DeliveryAssignment;
pub use crate::ports::StatusChange;
use crate::topic::Topic;

/// An order a client received `202 Accepted` for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledged {
    pub order_id: OrderId,
    pub idempotency_key: Option<IdempotencyKey>,
}

/// One outbox row, as far as the checker cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub event_id: EventId,
    pub order_id: Option<OrderId>,
    pub published: bool,
}

/// The order store's durable state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderStoreSnapshot {
    pub orders: Vec<Order>,
    pub outbox: Vec<OutboxRow>,
    pub processed_events: Vec<EventId>,
    /// Every status change ever applied, oldest first (the store's status history).
    pub status_changes: Vec<StatusChange>,
}

/// One record of a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicRecord {
    pub topic: Topic,
    pub partition: u32,
    pub offset: u64,
    pub key: Option<String>,
    pub payload: Vec<u8>,
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
    /// What the harness did that the saga is not asked to undo.
    pub interference: super::Interference,
    pub store: OrderStoreSnapshot,
    pub decisions: Vec<(EventId, PaymentDecision)>,
    pub deliveries: Vec<DeliveryAssignment>,
    pub bus: BusSnapshot,
}
