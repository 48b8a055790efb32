//! The simulated PostgreSQL protocol: the order store (orders, outbox, processed events) and
//! the delivery worker's table, the reconciler, retention, the dead-letter table and the operators' ledger. A session holds at most one open outbox claim (its transaction);
//! any request but `MarkPublished` rolls it back first, as reusing a pooled connection does.

use saga_core::event::Schema;
use saga_core::ports::{
    ApplyOutcome, DeadLetterAction, DeadLetterActionKind, DeliveryAssignment, NewOrder,
    OutboxRecord, PaymentApplication, StatusChange,
};
use saga_core::{
    CorrelationId, EventId, IdempotencyKey, Item, Order, OrderId, OrderStatus, Owner,
    PaymentDecision, Topic, TraceParent,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::fields::{base64_bytes, nanos};

/// What a client asks.
#[derive(Debug, Serialize, Deserialize)]
pub enum PgRequest {
    /// Order and outbox row in one transaction.
    CreateOrder(NewOrderWire),
    /// The order row alone: the first transaction of the outbox-outside-transaction mutant.
    InsertOrder(NewOrderWire),
    /// The outbox row of an order created before: that mutant's second transaction.
    InsertOrderCreated(NewOrderWire, Order),
    GetOrder(OrderId),
    ClaimOutbox {
        limit: usize,
    },
    MarkPublished {
        ids: Vec<i64>,
    },
    WaitForOutbox {
        max_wait_ms: u64,
    },
    ApplyPayment(PaymentWire),
    StatusHistory(OrderId),
    OutboxBacklog,
    Assign(AssignmentWire),
    /// The reconciler: re-drive orders PENDING since before the cutoff.
    Redrive {
        #[serde(with = "nanos")]
        cutoff: OffsetDateTime,
        #[serde(with = "nanos")]
        now: OffsetDateTime,
        limit: usize,
    },
    /// Retention: one batch of each kind.
    Prune {
        #[serde(with = "nanos")]
        outbox: OffsetDateTime,
        #[serde(with = "nanos")]
        processed_events: OffsetDateTime,
        #[serde(with = "nanos")]
        idempotency_keys: OffsetDateTime,
        batch: usize,
    },
    /// The dead-letter table: keep an EVENT_REJECTED envelope and its trace context.
    KeepDeadLetter(KeptWire),
    ListDeadLetters,
    /// The operators' ledger: record an action unless its letter has one.
    RecordAction(ActionWire),
    ListActions,
    /// The server's clock (`SELECT now()`).
    Now,
    Ping,
}

impl PgRequest {
    /// Whether the request changes durable state (only those can be ambiguous commits).
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            Self::CreateOrder(_)
                | Self::InsertOrder(_)
                | Self::InsertOrderCreated(..)
                | Self::MarkPublished { .. }
                | Self::ApplyPayment(_)
                | Self::Assign(_)
                | Self::Redrive { .. }
                | Self::Prune { .. }
                | Self::KeepDeadLetter { .. }
                | Self::RecordAction(_)
        )
    }
}

/// What the server answers.
#[derive(Debug, Serialize, Deserialize)]
pub enum PgResponse {
    Created(Order),
    Existing(Order),
    Order(Option<Order>),
    Claimed(Vec<OutboxRecordWire>),
    Applied(ApplyOutcomeWire),
    History(Vec<StatusChangeWire>),
    Backlog {
        unpublished: u64,
        #[serde(default)]
        oldest_ns: Option<i128>,
    },
    Assigned {
        new: bool,
    },
    Redriven {
        stuck: u64,
        redriven: u64,
    },
    Pruned {
        outbox: u64,
        processed_events: u64,
        idempotency_keys: u64,
    },
    DeadLetters(Vec<KeptWire>),
    Time(#[serde(with = "nanos")] OffsetDateTime),
    Recorded(bool),
    Actions(Vec<ActionWire>),
    Done,
    Error(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewOrderWire {
    pub item: Item,
    pub correlation_id: CorrelationId,
    pub idempotency_key: Option<IdempotencyKey>,
    pub owner: Option<Owner>,
    pub event_id: EventId,
    #[serde(with = "nanos")]
    pub created_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceParent>,
    #[serde(default = "v1", skip_serializing_if = "is_v1", with = "schema")]
    pub schema: Schema,
}

impl From<&NewOrder> for NewOrderWire {
    fn from(new: &NewOrder) -> Self {
        Self {
            item: new.item.clone(),
            correlation_id: new.correlation_id.clone(),
            idempotency_key: new.idempotency_key.clone(),
            owner: new.owner.clone(),
            event_id: new.event_id,
            created_at: new.created_at,
            trace: new.trace,
            schema: new.schema,
        }
    }
}

impl NewOrderWire {
    pub fn into_new(self) -> NewOrder {
        NewOrder {
            item: self.item,
            correlation_id: self.correlation_id,
            idempotency_key: self.idempotency_key,
            owner: self.owner,
            event_id: self.event_id,
            created_at: self.created_at,
            trace: self.trace,
            schema: self.schema,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxRecordWire {
    pub id: i64,
    pub event_id: EventId,
    pub topic: Topic,
    pub key: String,
    #[serde(with = "base64_bytes")]
    pub payload: Vec<u8>,
    pub correlation_id: CorrelationId,
    #[serde(with = "nanos")]
    pub created_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceParent>,
}

impl From<OutboxRecord> for OutboxRecordWire {
    fn from(r: OutboxRecord) -> Self {
        Self {
            id: r.id,
            event_id: r.event_id,
            topic: r.topic,
            key: r.key,
            payload: r.payload,
            correlation_id: r.correlation_id,
            created_at: r.created_at,
            trace: r.trace,
        }
    }
}

impl From<OutboxRecordWire> for OutboxRecord {
    fn from(r: OutboxRecordWire) -> Self {
        Self {
            id: r.id,
            event_id: r.event_id,
            topic: r.topic,
            key: r.key,
            payload: r.payload,
            correlation_id: r.correlation_id,
            created_at: r.created_at,
            trace: r.trace,
        }
    }
}

/// A payment application.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentWire {
    pub event_id: EventId,
    pub causation_id: EventId,
    pub order_id: OrderId,
    pub decision: PaymentDecision,
    pub correlation_id: CorrelationId,
    #[serde(with = "nanos")]
    pub at: OffsetDateTime,
    pub completion_event_id: EventId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceParent>,
    #[serde(default = "v1", skip_serializing_if = "is_v1", with = "schema")]
    pub schema: Schema,
}

impl From<&PaymentApplication> for PaymentWire {
    fn from(a: &PaymentApplication) -> Self {
        Self {
            event_id: a.event_id,
            causation_id: a.causation_id,
            order_id: a.order_id,
            decision: a.decision,
            correlation_id: a.correlation_id.clone(),
            at: a.at,
            completion_event_id: a.completion_event_id,
            trace: a.trace,
            schema: a.schema,
        }
    }
}

impl From<PaymentWire> for PaymentApplication {
    fn from(w: PaymentWire) -> Self {
        Self {
            event_id: w.event_id,
            causation_id: w.causation_id,
            order_id: w.order_id,
            decision: w.decision,
            correlation_id: w.correlation_id,
            at: w.at,
            completion_event_id: w.completion_event_id,
            trace: w.trace,
            schema: w.schema,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub enum ApplyOutcomeWire {
    Applied(OrderStatus),
    Duplicate,
    AlreadyTerminal(OrderStatus),
    UnknownOrder,
    WrongCausation,
    Contradicts(OrderStatus),
}

impl From<ApplyOutcome> for ApplyOutcomeWire {
    fn from(o: ApplyOutcome) -> Self {
        match o {
            ApplyOutcome::Applied(s) => Self::Applied(s),
            ApplyOutcome::Duplicate => Self::Duplicate,
            ApplyOutcome::AlreadyTerminal(s) => Self::AlreadyTerminal(s),
            ApplyOutcome::UnknownOrder => Self::UnknownOrder,
            ApplyOutcome::WrongCausation => Self::WrongCausation,
            ApplyOutcome::Contradicts(s) => Self::Contradicts(s),
        }
    }
}

impl From<ApplyOutcomeWire> for ApplyOutcome {
    fn from(o: ApplyOutcomeWire) -> Self {
        match o {
            ApplyOutcomeWire::Applied(s) => Self::Applied(s),
            ApplyOutcomeWire::Duplicate => Self::Duplicate,
            ApplyOutcomeWire::AlreadyTerminal(s) => Self::AlreadyTerminal(s),
            ApplyOutcomeWire::UnknownOrder => Self::UnknownOrder,
            ApplyOutcomeWire::WrongCausation => Self::WrongCausation,
            ApplyOutcomeWire::Contradicts(s) => Self::Contradicts(s),
        }
    }
}

/// One status change of the history.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusChangeWire {
    pub order_id: OrderId,
    pub from: OrderStatus,
    pub to: OrderStatus,
    pub event_id: EventId,
    #[serde(with = "nanos")]
    pub at: OffsetDateTime,
}

impl From<StatusChange> for StatusChangeWire {
    fn from(c: StatusChange) -> Self {
        Self {
            order_id: c.order_id,
            from: c.from,
            to: c.to,
            event_id: c.event_id,
            at: c.at,
        }
    }
}

impl From<StatusChangeWire> for StatusChange {
    fn from(c: StatusChangeWire) -> Self {
        Self {
            order_id: c.order_id,
            from: c.from,
            to: c.to,
            event_id: c.event_id,
            at: c.at,
        }
    }
}

/// A delivery assignment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssignmentWire {
    pub order_id: OrderId,
    pub payment_event_id: EventId,
    #[serde(with = "nanos")]
    pub assigned_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceParent>,
}

impl From<&DeliveryAssignment> for AssignmentWire {
    fn from(a: &DeliveryAssignment) -> Self {
        Self {
            order_id: a.order_id,
            payment_event_id: a.payment_event_id,
            assigned_at: a.assigned_at,
            trace: a.trace,
        }
    }
}

impl From<AssignmentWire> for DeliveryAssignment {
    fn from(w: AssignmentWire) -> Self {
        Self {
            order_id: w.order_id,
            payment_event_id: w.payment_event_id,
            assigned_at: w.assigned_at,
            trace: w.trace,
        }
    }
}

/// One operator action on a dead letter, as the ledger keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionWire {
    pub dead_letter: EventId,
    /// The replay's count; `None` for a discard.
    pub replayed: Option<u32>,
    pub actor: String,
    pub why: String,
    #[serde(with = "nanos")]
    pub at: OffsetDateTime,
}

impl From<&DeadLetterAction> for ActionWire {
    fn from(action: &DeadLetterAction) -> Self {
        Self {
            dead_letter: action.dead_letter,
            replayed: match action.kind {
                DeadLetterActionKind::Replayed { count } => Some(count),
                DeadLetterActionKind::Discarded => None,
            },
            actor: action.actor.clone(),
            why: action.why.clone(),
            at: action.at,
        }
    }
}

impl From<ActionWire> for DeadLetterAction {
    fn from(wire: ActionWire) -> Self {
        Self {
            dead_letter: wire.dead_letter,
            kind: match wire.replayed {
                Some(count) => DeadLetterActionKind::Replayed { count },
                None => DeadLetterActionKind::Discarded,
            },
            actor: wire.actor,
            why: wire.why,
            at: wire.at,
        }
    }
}

/// A kept rejection: the envelope's bytes and the trace context its DLQ record would carry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeptWire {
    #[serde(with = "base64_bytes")]
    pub envelope: Vec<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceParent>,
}

impl From<&saga_core::Envelope> for KeptWire {
    fn from(envelope: &saga_core::Envelope) -> Self {
        Self {
            envelope: envelope.to_bytes(),
            trace: envelope.trace,
        }
    }
}

// Schema 1 is left off the wire, so a run whose writers write it sends the bytes it always did.
fn v1() -> Schema {
    Schema::V1
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_v1(schema: &Schema) -> bool {
    *schema == Schema::V1
}

/// A schema as its `schema_version` number.
mod schema {
    use saga_core::event::Schema;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    #[allow(clippy::trivially_copy_pass_by_ref)] // serde's `with` passes a reference
    pub fn serialize<S: Serializer>(schema: &Schema, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(schema.number())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Schema, D::Error> {
        let number = u64::deserialize(d)?;
        Schema::from_number(number).ok_or_else(|| D::Error::custom("unknown schema"))
    }
}
