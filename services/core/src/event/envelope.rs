//! The envelope's types and its encoding to JSON bytes.

use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Rejection;
use crate::domain::{CorrelationId, EventId, Item, OrderId, PaymentDecision, TraceParent};

/// The envelope schemas this code reads, oldest first. A new schema only adds, and a release
/// learns to read it before any writer writes it: writers stay on [`Schema::V1`] until their
/// `EVENT_SCHEMA_VERSION` says otherwise, set once every reader runs a release that reads the
/// newer one (docs/api.md, "Schemas and mixed-version deploys"). A reader refuses a schema
/// newer than it knows, so a writer switched early dead-letters what it writes at old readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Schema {
    /// The envelope's fields and the event type's payload.
    #[default]
    V1,
    /// V1 plus `traceparent`: the W3C trace context, also inside the bytes, so it survives a
    /// hop that drops record headers (a mirror, a connector, a hand-copied record).
    V2,
}

impl Schema {
    /// Every schema, oldest first.
    pub const ALL: [Schema; 2] = [Schema::V1, Schema::V2];
    /// The newest schema this code reads.
    pub const NEWEST: Schema = Schema::V2;

    /// The `schema_version` number on the wire.
    pub fn number(self) -> u64 {
        match self {
            Self::V1 => 1,
            Self::V2 => 2,
        }
    }

    /// The schema whose `schema_version` is `number`.
    pub fn from_number(number: u64) -> Option<Schema> {
        Self::ALL.into_iter().find(|s| s.number() == number)
    }

    /// What a writer writes when not told otherwise: the oldest schema, which every reader of
    /// a mixed-version deploy reads.
    pub fn default_write() -> Schema {
        if crate::mutant::active(crate::mutant::Mutant::WriteNewestSchema) {
            return Self::NEWEST;
        }
        Self::V1
    }
}

/// The kinds of event on the saga's topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventType {
    OrderCreated,
    PaymentSuccess,
    PaymentFailed,
    /// The order-status worker moved the order to COMPLETED (written through the outbox in the
    /// same transaction): the only event the delivery worker acts on.
    OrderCompleted,
    EventRejected,
}

impl EventType {
    pub const ALL: [EventType; 5] = [
        EventType::OrderCreated,
        EventType::PaymentSuccess,
        EventType::PaymentFailed,
        EventType::OrderCompleted,
        EventType::EventRejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderCreated => "ORDER_CREATED",
            Self::PaymentSuccess => "PAYMENT_SUCCESS",
            Self::PaymentFailed => "PAYMENT_FAILED",
            Self::OrderCompleted => "ORDER_COMPLETED",
            Self::EventRejected => "EVENT_REJECTED",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// What an event says, by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventBody {
    OrderCreated {
        order_id: OrderId,
        item: Item,
    },
    Payment {
        order_id: OrderId,
        decision: PaymentDecision,
    },
    /// The order is COMPLETED; `causation_id` names the PAYMENT_SUCCESS that completed it.
    OrderCompleted {
        order_id: OrderId,
    },
    EventRejected(Rejection),
}

/// One event as it travels on Kafka.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub event_id: EventId,
    pub occurred_at: OffsetDateTime,
    pub correlation_id: CorrelationId,
    /// The event that caused this one: payment events name their ORDER_CREATED.
    pub causation_id: Option<EventId>,
    pub body: EventBody,
    /// The W3C trace context the event belongs to. It travels beside the bytes, in the outbox
    /// row's `traceparent` column and the record's `traceparent` header, and inside them only
    /// from [`Schema::V2`] on. [`super::decode`] fills it from a V2 envelope's bytes and
    /// leaves it `None` for V1; the consumer loop continues the header's, else the bytes'.
    pub trace: Option<TraceParent>,
}

#[derive(Serialize)]
struct Wire<'a> {
    event_id: EventId,
    event_type: &'static str,
    schema_version: u64,
    occurred_at: String,
    correlation_id: &'a str,
    causation_id: Option<EventId>,
    payload: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    traceparent: Option<Option<String>>,
}

impl Envelope {
    /// The ORDER_CREATED event the order store writes to the outbox with a new order.
    pub fn order_created(
        event_id: EventId,
        occurred_at: OffsetDateTime,
        correlation_id: CorrelationId,
        order_id: OrderId,
        item: Item,
    ) -> Self {
        Self {
            event_id,
            occurred_at,
            correlation_id,
            causation_id: None,
            body: EventBody::OrderCreated { order_id, item },
            trace: None,
        }
    }

    /// The bytes of an ORDER_CREATED envelope split around its order id, for a store that
    /// learns the id in the same statement that writes the event:
    /// `prefix ++ decimal(order_id) ++ suffix` equals [`Envelope::to_bytes`] for every id.
    pub fn order_created_around_id(
        event_id: EventId,
        occurred_at: OffsetDateTime,
        correlation_id: CorrelationId,
        item: Item,
        trace: Option<TraceParent>,
        schema: Schema,
    ) -> (Vec<u8>, Vec<u8>) {
        let sentinel = OrderId::new(i64::MAX).expect("i64::MAX is a valid id");
        let mut bytes = Self::order_created(event_id, occurred_at, correlation_id, sentinel, item)
            .with_trace(trace)
            .encode(schema);
        // The payload's `order_id` comes after its `item` (keys are sorted) and is the last
        // such field; inside the item string a `"` is escaped, and a traceparent holds no
        // quote, so this pattern cannot match elsewhere.
        let field = format!("\"order_id\":{}", sentinel.get());
        let at = bytes
            .windows(field.len())
            .rposition(|w| w == field.as_bytes())
            .expect("an ORDER_CREATED envelope carries its order id");
        let suffix = bytes.split_off(at + field.len());
        bytes.truncate(at + field.len() - sentinel.get().to_string().len());
        (bytes, suffix)
    }

    /// The ORDER_COMPLETED event the order-status worker writes to the outbox when
    /// `payment_event` moves the order to COMPLETED.
    pub fn order_completed(
        event_id: EventId,
        occurred_at: OffsetDateTime,
        correlation_id: CorrelationId,
        order_id: OrderId,
        payment_event: EventId,
    ) -> Self {
        Self {
            event_id,
            occurred_at,
            correlation_id,
            causation_id: Some(payment_event),
            body: EventBody::OrderCompleted { order_id },
            trace: None,
        }
    }

    /// The same event in trace `trace`.
    pub fn with_trace(self, trace: Option<TraceParent>) -> Self {
        Self { trace, ..self }
    }

    pub fn event_type(&self) -> EventType {
        match &self.body {
            EventBody::OrderCreated { .. } => EventType::OrderCreated,
            EventBody::OrderCompleted { .. } => EventType::OrderCompleted,
            EventBody::Payment {
                decision: PaymentDecision::Success,
                ..
            } => EventType::PaymentSuccess,
            EventBody::Payment {
                decision: PaymentDecision::Failed,
                ..
            } => EventType::PaymentFailed,
            EventBody::EventRejected(_) => EventType::EventRejected,
        }
    }

    /// The order this event is about, if any.
    pub fn order_id(&self) -> Option<OrderId> {
        match &self.body {
            EventBody::OrderCreated { order_id, .. }
            | EventBody::Payment { order_id, .. }
            | EventBody::OrderCompleted { order_id } => Some(*order_id),
            EventBody::EventRejected(_) => None,
        }
    }

    /// Encodes as [`Schema::V1`] JSON, which every reader reads.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode(Schema::V1)
    }

    /// Encodes as `schema` JSON. Field order is fixed so equal envelopes give equal bytes (the
    /// simulation hashes them).
    pub fn encode(&self, schema: Schema) -> Vec<u8> {
        let payload = match &self.body {
            EventBody::OrderCreated { order_id, item } => {
                json!({"order_id": order_id, "item": item})
            }
            EventBody::Payment { order_id, .. } | EventBody::OrderCompleted { order_id } => {
                json!({"order_id": order_id})
            }
            EventBody::EventRejected(rejection) => rejection.to_payload(),
        };
        let wire = Wire {
            event_id: self.event_id,
            event_type: self.event_type().as_str(),
            schema_version: schema.number(),
            occurred_at: format_timestamp(self.occurred_at),
            correlation_id: self.correlation_id.as_str(),
            causation_id: self.causation_id,
            payload,
            traceparent: (schema >= Schema::V2).then(|| self.trace.map(|t| t.to_string())),
        };
        serde_json::to_vec(&wire).expect("an envelope always serializes")
    }
}

/// RFC 3339 in UTC, as every envelope and API response writes timestamps.
pub fn format_timestamp(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .expect("UTC timestamps within years 0-9999 always format")
}
