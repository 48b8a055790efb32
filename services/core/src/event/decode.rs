//! Strict decoding of envelope bytes: every field of its schema present with the right type, no
//! unknown fields, a known event type, a schema version the reader knows, and a payload of
//! exactly the type's shape.

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{
    Envelope, EventBody, EventType, Original, RejectedBy, Rejection, RejectionCode,
    RejectionSource, Schema,
};
use crate::domain::{CorrelationId, EventId, Item, OrderId, PaymentDecision, TraceParent};
use crate::topic::Topic;

/// Why bytes are not a valid envelope. The message is what goes into `EVENT_REJECTED.reason`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("envelope must be a JSON object")]
    NotAnObject,
    #[error("missing field `{0}`")]
    MissingField(String),
    #[error("unknown field `{0}`")]
    UnknownField(String),
    #[error("invalid field `{field}`: {reason}")]
    InvalidField { field: String, reason: String },
    #[error("unknown event_type {0:?}")]
    UnknownEventType(String),
    #[error("unsupported schema_version {0}")]
    UnsupportedVersion(String),
}

/// Every schema's envelope fields; each schema adds its own after those of the one before.
const ENVELOPE_FIELDS: [&str; 8] = [
    "event_id",
    "event_type",
    "schema_version",
    "occurred_at",
    "correlation_id",
    "causation_id",
    "payload",
    "traceparent",
];

/// How many of [`ENVELOPE_FIELDS`] `schema` has.
fn field_count(schema: Schema) -> usize {
    match schema {
        Schema::V1 => 7,
        Schema::V2 => 8,
    }
}

/// Decodes one record's bytes, of any schema this code knows.
///
/// # Errors
/// [`DecodeError`] naming the first problem found. Never panics, whatever the bytes.
pub fn decode(bytes: &[u8]) -> Result<Envelope, DecodeError> {
    decode_up_to(bytes, Schema::NEWEST)
}

/// Decodes one record's bytes as a reader that knows the schemas up to `newest`: what a
/// release configured as its predecessor (`EVENT_SCHEMA_READ_MAX`) reads.
///
/// # Errors
/// As [`decode`]; a newer schema is [`DecodeError::UnsupportedVersion`].
pub fn decode_up_to(bytes: &[u8], newest: Schema) -> Result<Envelope, DecodeError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    let Value::Object(object) = value else {
        return Err(DecodeError::NotAnObject);
    };
    let fields = Fields {
        object: &object,
        prefix: String::new(),
    };
    let version = fields.get("schema_version")?;
    let schema = version
        .as_u64()
        .and_then(Schema::from_number)
        .filter(|schema| *schema <= newest)
        .ok_or_else(|| DecodeError::UnsupportedVersion(version.to_string()))?;
    fields.only(&ENVELOPE_FIELDS[..field_count(schema)])?;

    let event_type = fields.string("event_type")?;
    let event_type = EventType::parse(event_type)
        .ok_or_else(|| DecodeError::UnknownEventType(event_type.to_owned()))?;
    let event_id = fields.parsed("event_id", |s| {
        s.parse::<EventId>().map_err(|e| e.to_string())
    })?;
    let occurred_at = fields.parsed("occurred_at", |s| {
        OffsetDateTime::parse(s, &Rfc3339).map_err(|e| e.to_string())
    })?;
    let correlation_id = fields.parsed("correlation_id", |s| {
        CorrelationId::parse(s).ok_or_else(|| "not a valid correlation id".to_owned())
    })?;
    let causation_id = match fields.get("causation_id")? {
        Value::Null => None,
        _ => Some(fields.parsed("causation_id", |s| {
            s.parse::<EventId>().map_err(|e| e.to_string())
        })?),
    };
    let Value::Object(payload) = fields.get("payload")? else {
        return Err(invalid("payload", "must be an object"));
    };
    let payload = Fields {
        object: payload,
        prefix: "payload.".to_owned(),
    };
    let body = decode_body(event_type, &payload)?;
    let needs_cause = matches!(
        body,
        EventBody::Payment { .. } | EventBody::OrderCompleted { .. }
    );
    if needs_cause && causation_id.is_none() {
        return Err(invalid(
            "causation_id",
            "payment and completion events must name the event that caused them",
        ));
    }
    let trace = match schema {
        Schema::V1 => None,
        Schema::V2 => trace_of(&fields)?,
    };
    Ok(Envelope {
        event_id,
        occurred_at,
        correlation_id,
        causation_id,
        body,
        trace,
    })
}

/// A V2 envelope's `traceparent`: a W3C trace context, or null for an event outside any trace.
fn trace_of(fields: &Fields<'_>) -> Result<Option<TraceParent>, DecodeError> {
    match fields.get("traceparent")? {
        Value::Null => Ok(None),
        _ => fields
            .parsed("traceparent", |s| {
                TraceParent::parse(s).map_err(|e| e.to_string())
            })
            .map(Some),
    }
}

fn decode_body(event_type: EventType, payload: &Fields<'_>) -> Result<EventBody, DecodeError> {
    match event_type {
        EventType::OrderCreated => {
            payload.only(&["order_id", "item"])?;
            let item = payload.parsed("item", |s| Item::parse(s).map_err(|e| e.to_string()))?;
            Ok(EventBody::OrderCreated {
                order_id: payload.order_id()?,
                item,
            })
        }
        EventType::PaymentSuccess | EventType::PaymentFailed => {
            payload.only(&["order_id"])?;
            let decision = if event_type == EventType::PaymentSuccess {
                PaymentDecision::Success
            } else {
                PaymentDecision::Failed
            };
            Ok(EventBody::Payment {
                order_id: payload.order_id()?,
                decision,
            })
        }
        EventType::OrderCompleted => {
            payload.only(&["order_id"])?;
            Ok(EventBody::OrderCompleted {
                order_id: payload.order_id()?,
            })
        }
        EventType::EventRejected => decode_rejection(payload).map(EventBody::EventRejected),
    }
}

fn decode_rejection(payload: &Fields<'_>) -> Result<Rejection, DecodeError> {
    payload.only(&[
        "reason_code",
        "reason",
        "source",
        "rejected_by",
        "attempts",
        "original",
        "replay_count",
    ])?;
    let code = payload.parsed("reason_code", |s| {
        RejectionCode::parse(s).ok_or_else(|| "unknown reason code".into())
    })?;
    let source = decode_source(&payload.object("source")?)?;
    let by = payload.object("rejected_by")?;
    by.only(&["group", "component"])?;
    let original = payload.object("original")?;
    original.only(&["size", "sha256", "truncated", "base64"])?;
    Ok(Rejection {
        code,
        reason: payload.string("reason")?.to_owned(),
        source,
        rejected_by: RejectedBy {
            group: by.string("group")?.to_owned(),
            component: by.string("component")?.to_owned(),
        },
        attempts: payload.small("attempts")?,
        original: Original {
            size: original.unsigned("size")?,
            sha256: original.string("sha256")?.to_owned(),
            truncated: original
                .get("truncated")?
                .as_bool()
                .ok_or_else(|| original.invalid("truncated", "must be a boolean"))?,
            bytes: original.parsed("base64", Rejection::decode_original)?,
        },
        replay_count: payload.small("replay_count")?,
    })
}

fn decode_source(fields: &Fields<'_>) -> Result<RejectionSource, DecodeError> {
    fields.only(&["topic", "partition", "offset", "key", "correlation_id"])?;
    let topic = fields.parsed("topic", |s| {
        Topic::parse(s).ok_or_else(|| "unknown topic".into())
    })?;
    let key = match fields.get("key")? {
        Value::Null => None,
        Value::String(key) => Some(key.clone()),
        _ => return Err(fields.invalid("key", "must be a string or null")),
    };
    let correlation_id = match fields.get("correlation_id")? {
        Value::Null => None,
        _ => Some(fields.parsed("correlation_id", |s| {
            CorrelationId::parse(s).ok_or_else(|| "not a valid correlation id".to_owned())
        })?),
    };
    Ok(RejectionSource {
        topic,
        partition: fields.small("partition")?,
        offset: fields.unsigned("offset")?,
        key,
        correlation_id,
    })
}

fn invalid(field: &str, reason: impl Into<String>) -> DecodeError {
    DecodeError::InvalidField {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// A JSON object being decoded, with the path prefix used in error messages.
struct Fields<'a> {
    object: &'a Map<String, Value>,
    prefix: String,
}

impl Fields<'_> {
    fn only(&self, allowed: &[&str]) -> Result<(), DecodeError> {
        match self.object.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(unknown) => Err(DecodeError::UnknownField(format!(
                "{}{unknown}",
                self.prefix
            ))),
            None => Ok(()),
        }
    }

    fn invalid(&self, field: &str, reason: impl Into<String>) -> DecodeError {
        invalid(&format!("{}{field}", self.prefix), reason)
    }

    fn get(&self, field: &str) -> Result<&Value, DecodeError> {
        self.object
            .get(field)
            .ok_or_else(|| DecodeError::MissingField(format!("{}{field}", self.prefix)))
    }

    fn string(&self, field: &str) -> Result<&str, DecodeError> {
        self.get(field)?
            .as_str()
            .ok_or_else(|| self.invalid(field, "must be a string"))
    }

    fn object(&self, field: &str) -> Result<Fields<'_>, DecodeError> {
        match self.get(field)? {
            Value::Object(object) => Ok(Fields {
                object,
                prefix: format!("{}{field}.", self.prefix),
            }),
            _ => Err(self.invalid(field, "must be an object")),
        }
    }

    fn small(&self, field: &str) -> Result<u32, DecodeError> {
        u32::try_from(self.unsigned(field)?).map_err(|_| self.invalid(field, "too large"))
    }

    fn unsigned(&self, field: &str) -> Result<u64, DecodeError> {
        self.get(field)?
            .as_u64()
            .ok_or_else(|| self.invalid(field, "must be a non-negative integer"))
    }

    fn parsed<T>(
        &self,
        field: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, DecodeError> {
        parse(self.string(field)?).map_err(|reason| self.invalid(field, reason))
    }

    fn order_id(&self) -> Result<OrderId, DecodeError> {
        let raw = self.get("order_id")?;
        raw.as_i64()
            .and_then(|n| OrderId::new(n).ok())
            .ok_or_else(|| self.invalid("order_id", "must be a positive integer"))
    }
}
