//! What happened, as the trace records it. Every event is serializable (the `--trace` file is
//! one JSON object per line) and its `Debug` text feeds the trace hash.

use saga_core::domain::TraceId;
use saga_core::event::decode;
use saga_core::ports::OutgoingMessage;
use saga_core::{
    Envelope, EventBody, EventId, IdempotencyKey, OrderId, OrderStatus, PaymentDecision, Topic,
};
use serde::Serialize;

/// One fact about the run.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    HostStarted {
        host: &'static str,
        incarnation: u64,
    },
    Fault {
        action: String,
    },
    /// A host stopped while it was still starting had not ended when its restart came.
    StillStartingAfterStop {
        host: &'static str,
    },
    // PostgreSQL.
    OrderCreated {
        order: OrderId,
        key: Option<IdempotencyKey>,
        event: EventId,
        outbox: bool,
    },
    OrderReplayed {
        order: OrderId,
    },
    OutboxRowWritten {
        order: OrderId,
        event: EventId,
    },
    OutboxClaimed {
        session: u64,
        rows: Vec<i64>,
    },
    OutboxMarked {
        session: u64,
        rows: Vec<i64>,
    },
    ClaimReleased {
        session: u64,
    },
    StatusChanged {
        order: OrderId,
        from: OrderStatus,
        to: OrderStatus,
        event: EventId,
    },
    PaymentApplied {
        order: OrderId,
        event: EventId,
        outcome: String,
    },
    DeliveryAssigned {
        order: OrderId,
        payment_event: EventId,
        new: bool,
        /// The trace id stored with the assignment.
        trace: Option<TraceId>,
    },
    // Kafka.
    Appended {
        topic: Topic,
        partition: u32,
        offset: u64,
        event: Option<EventId>,
        /// The order the record is about: its own event's, or for a DLQ rejection the
        /// original's.
        order: Option<OrderId>,
        decision: Option<PaymentDecision>,
        duplicate: bool,
        /// For a DLQ rejection, the event it rejects (when the original decodes).
        rejects: Option<EventId>,
        /// The trace id of the record's `traceparent` header.
        trace: Option<TraceId>,
    },
    Joined {
        group: String,
        member: u64,
    },
    Left {
        group: String,
        member: u64,
        why: &'static str,
    },
    Delivered {
        group: String,
        member: u64,
        topic: Topic,
        partition: u32,
        offset: u64,
    },
    Committed {
        group: String,
        member: u64,
        topic: Topic,
        partition: u32,
        offset: u64,
    },
    Rebalanced {
        group: String,
    },
    // Redis.
    Decided {
        source: EventId,
        proposal: PaymentDecision,
        decision: PaymentDecision,
    },
    // Any backend: a write applied whose answer was never sent.
    ReplyDropped {
        host: &'static str,
        request: String,
    },
    /// A black-holed backend read a request and will never answer it.
    Swallowed {
        host: &'static str,
        request: String,
    },
    /// A backend failed a request permanently because of data the harness planted.
    Refused {
        host: &'static str,
        request: String,
    },
    // The fault driver's interference with the data.
    /// The driver planted unprocessable data concerning this order (see `fault::Unprocessable`).
    Quarantined {
        order: OrderId,
        source: EventId,
        what: String,
    },
    /// The driver appended a forged payment event.
    Forged {
        order: OrderId,
        event: EventId,
        forgery: String,
    },
    /// A power loss took decisions Redis had acknowledged.
    DecisionsLost {
        sources: Vec<EventId>,
    },
    /// A power loss took a partition's records from offset `from` (the log ended at `to`),
    /// carrying these events, which answered these (payment events: their causations).
    RecordsLost {
        topic: Topic,
        partition: u32,
        from: u64,
        to: u64,
        events: Vec<EventId>,
        answered: Vec<EventId>,
    },
    /// Retention deleted a partition's records `from..to` before the group reading the topic
    /// had committed past them (again).
    DeletedUnread {
        topic: Topic,
        partition: u32,
        from: u64,
        to: u64,
    },
    /// A group empty for the broker's offsets retention lost its committed offsets.
    OffsetsExpired {
        group: String,
    },
    /// Retention pruned the processed-event records of these events.
    DedupPruned {
        events: Vec<EventId>,
    },
    /// The broker lost a partition's acknowledged records from offset `from` (the log ended
    /// at `to`) in a way the checker does not excuse (`why`), carrying these events, which
    /// answered these.
    AcknowledgedLost {
        why: Loss,
        topic: Topic,
        partition: u32,
        from: u64,
        to: u64,
        events: Vec<EventId>,
        answered: Vec<EventId>,
    },
    /// A power loss (or a disk loss) rolled a group's committed offset back.
    CommitLost {
        group: String,
        topic: Topic,
        partition: u32,
        from: u64,
        to: u64,
    },
    // The workload's clients.
    PlaceFailed {
        client: usize,
        key: Option<String>,
        attempt: u32,
        reason: String,
    },
    Acknowledged {
        client: usize,
        order: OrderId,
        key: Option<IdempotencyKey>,
        replayed: bool,
        /// The trace the request started (the client sent its `traceparent`).
        trace: Option<TraceId>,
    },
    ReadBack {
        client: usize,
        order: OrderId,
        outcome: String,
    },
}

/// How the broker lost acknowledged records that replication would have kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Loss {
    /// A replica outside the ISR became the partition's leader.
    UncleanElection,
    /// The broker's only replica lost its disk.
    DiskLoss,
}

impl Event {
    /// An append of `message`, with the saga fields of its payload when it decodes.
    pub fn appended(
        message: &OutgoingMessage,
        partition: u32,
        offset: u64,
        duplicate: bool,
    ) -> Self {
        let envelope = decode(&message.payload).ok();
        let rejected = match envelope.as_ref().map(|e| &e.body) {
            Some(EventBody::EventRejected(r)) => decode(&r.original.bytes).ok(),
            _ => None,
        };
        let (order, decision) = match envelope.as_ref().map(|e| &e.body) {
            Some(EventBody::Payment { order_id, decision }) => (Some(*order_id), Some(*decision)),
            Some(EventBody::EventRejected(_)) => {
                (rejected.as_ref().and_then(Envelope::order_id), None)
            }
            _ => (envelope.as_ref().and_then(Envelope::order_id), None),
        };
        Self::Appended {
            topic: message.topic,
            partition,
            offset,
            event: envelope.map(|e| e.event_id),
            order,
            decision,
            duplicate,
            rejects: rejected.map(|e| e.event_id),
            trace: message.trace.map(|t| t.trace_id()),
        }
    }

    /// The order this event is about, if any.
    pub fn order(&self) -> Option<OrderId> {
        match self {
            Self::OrderCreated { order, .. }
            | Self::OrderReplayed { order }
            | Self::OutboxRowWritten { order, .. }
            | Self::StatusChanged { order, .. }
            | Self::PaymentApplied { order, .. }
            | Self::DeliveryAssigned { order, .. }
            | Self::Acknowledged { order, .. }
            | Self::ReadBack { order, .. }
            | Self::Quarantined { order, .. }
            | Self::Forged { order, .. } => Some(*order),
            Self::Appended { order, .. } => *order,
            _ => None,
        }
    }
}
