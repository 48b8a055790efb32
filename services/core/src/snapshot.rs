//! The saga's durable state as plain data: everything in the order store, decision store,
//! delivery store and event bus, plus what clients were told. Every adapter can produce its
//! part (the memory adapters directly, the real ones through their snapshot readers), and the
//! invariant checker (`services/checker`) judges the whole.

use std::collections::{BTreeMap, BTreeSet};

use time::OffsetDateTime;

use crate::domain::{
    EventId, IdempotencyKey, Order, OrderId, PaymentDecision, TraceId, TraceParent,
};
use crate::event::Envelope;
pub use crate::ports::StatusChange;
use crate::ports::{DeadLetterAction, DeliveryAssignment, ReplayMark};
use crate::topic::Topic;

/// An order a client received `202 Accepted` for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledged {
    pub order_id: OrderId,
    pub idempotency_key: Option<IdempotencyKey>,
    /// The trace the client's request started (the trace id of the `traceparent` it sent),
    /// when the client knows it: what every event of the order must carry.
    pub trace: Option<TraceId>,
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
    /// Every status change ever applied, oldest first (the store's status history).
    pub status_changes: Vec<StatusChange>,
    /// Each order's ORDER_CREATED event id (`orders.created_event_id`), where the store
    /// knows it: what a payment for the order must name as its cause, even after retention
    /// pruned the outbox row and the record has left the topic.
    pub created_events: BTreeMap<OrderId, EventId>,
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
    /// The record's `traceparent` header, when it had a well-formed one.
    pub trace: Option<TraceParent>,
    /// The replay headers of a record an operator re-published from a dead letter.
    pub replay: Option<ReplayMark>,
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
    pub interference: Interference,
    pub store: OrderStoreSnapshot,
    pub decisions: Vec<(EventId, PaymentDecision)>,
    pub deliveries: Vec<DeliveryAssignment>,
    pub bus: BusSnapshot,
    /// The dead-letter table: rejections the DLQ topics could not take.
    pub dead_letters: Vec<Envelope>,
    /// What operators did with dead letters (the ledger), where the reader has it.
    pub dead_letter_actions: Vec<DeadLetterAction>,
}

// What the harness did to the system that the saga is not asked to undo. The checker holds the
// saga to what it promises under each interference, no less: forged events are not the saga's
// own output, an order whose data was made unprocessable may stay PENDING, and what a backend
// acknowledged and then lost cannot be demanded back.

/// Which acknowledged items a backend lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lost {
    /// Exactly these (the simulation knows).
    These(BTreeSet<EventId>),
    /// Some, unknown which (a real backend's power loss).
    Unknown,
}

impl Default for Lost {
    fn default() -> Self {
        Self::These(BTreeSet::new())
    }
}

impl Lost {
    /// Whether `id` may be among the lost.
    pub fn may_include(&self, id: EventId) -> bool {
        match self {
            Self::These(ids) => ids.contains(&id),
            Self::Unknown => true,
        }
    }
}

/// Offsets of a partition that a power loss freed for reuse: the log lost its records from
/// `from` on while groups may have committed up to `to`, so a group may skip records written
/// there afterwards without reading them (Kafka's own behaviour with one replica).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReusedOffsets {
    pub topic: Topic,
    pub partition: u32,
    pub from: u64,
    pub to: u64,
}

/// Everything the harness did that the checker must account for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interference {
    /// Events a producer outside the saga wrote (forgeries).
    pub forged: BTreeSet<EventId>,
    /// Orders whose data the harness made permanently unprocessable.
    pub quarantined: BTreeSet<OrderId>,
    /// Decisions (by source event) the decision store acknowledged and then lost.
    pub lost_decisions: Lost,
    /// Events whose records the event bus acknowledged and then lost.
    pub lost_events: Lost,
    /// ORDER_CREATED events whose answer (a payment event caused by them) the bus lost.
    pub lost_answers: Lost,
    pub reused_offsets: Vec<ReusedOffsets>,
    /// What the bus lost although it promised to keep it.
    pub broken_durability: BrokenDurability,
    /// Events whose processed-event record retention pruned: processed, though the table no
    /// longer says so.
    pub pruned_processed: BTreeSet<EventId>,
    /// Records retention deleted before a group reading them had committed past them (after
    /// its offsets expired or a power loss rolled its commit back): it skipped them.
    pub deleted_unread: Vec<ReusedOffsets>,
}

/// Records the event bus had acknowledged and then lost, whose consequences the checker does
/// not excuse: an unclean leader election (a replica outside the ISR became leader, which
/// `unclean.leader.election.enable=false` rules out) or the loss of the disk of the broker
/// holding a partition's only replica. As with the losses above, their absence proves nothing
/// against the saga — a status change may name an event no longer on the log, a payment
/// worker's answer may be gone, a group may skip records later written at the lost offsets
/// without ever reading them — but no order's outcome is excused: an order whose
/// ORDER_COMPLETED vanished still owes its courier, so the checker reports what the saga does
/// not survive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrokenDurability {
    /// Events whose records vanished.
    pub events: BTreeSet<EventId>,
    /// ORDER_CREATED events whose answer (a payment event caused by them) vanished.
    pub answers: BTreeSet<EventId>,
    /// Offsets freed for reuse while groups kept commits beyond them.
    pub offsets: Vec<ReusedOffsets>,
}

impl Interference {
    /// Whether the bus may have lost `event`'s record, excused or not: its absence from the
    /// log proves nothing.
    pub fn record_may_be_gone(&self, event: EventId) -> bool {
        self.lost_events.may_include(event) || self.broken_durability.events.contains(&event)
    }

    /// Whether the bus may have lost the payment event answering `source`, excused or not.
    pub fn answer_may_be_gone(&self, source: EventId) -> bool {
        self.lost_answers.may_include(source) || self.broken_durability.answers.contains(&source)
    }

    /// Whether a group may have skipped the record at this position without reading it,
    /// excused or not ([`Self::offset_reused`] counts only the excused losses).
    pub fn may_have_skipped(&self, topic: Topic, partition: u32, offset: u64) -> bool {
        let broken = self.broken_durability.offsets.iter().any(|r| {
            r.topic == topic && r.partition == partition && (r.from..r.to).contains(&offset)
        });
        let deleted = self.deleted_unread.iter().any(|r| {
            r.topic == topic && r.partition == partition && (r.from..r.to).contains(&offset)
        });
        broken || deleted || self.offset_reused(topic, partition, offset)
    }

    /// Whether a group may have skipped the record at this position.
    pub fn offset_reused(&self, topic: Topic, partition: u32, offset: u64) -> bool {
        if self.lost_events == Lost::Unknown {
            return true;
        }
        self.reused_offsets.iter().any(|r| {
            r.topic == topic && r.partition == partition && (r.from..r.to).contains(&offset)
        })
    }
}
