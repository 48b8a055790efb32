//! `EVENT_REJECTED`: what a consumer writes to a DLQ for a record it cannot or must not apply.
//! The record is self-describing — where the original came from, which consumer group and
//! component rejected it and why, after how many attempts, the original's size and SHA-256 —
//! and carries the original itself, truncated (and marked so) when the whole would not fit
//! under the producer's message size limit: a rejection always fits, so writing it never fails
//! for being too large.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{Envelope, EventBody, Schema};
use crate::domain::{CorrelationId, EventId};
use crate::topic::Topic;

/// Why a record was rejected, as a stable code a DLQ reader can filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RejectionCode {
    /// The bytes are not a valid envelope.
    Undecodable,
    /// A valid envelope of a type that does not belong on this topic.
    UnexpectedType,
    /// A valid event for an order that does not exist.
    UnknownOrder,
    /// A payment whose `causation_id` is not the order's ORDER_CREATED event.
    WrongCausation,
    /// A payment contradicting the one already applied to the order.
    ContradictsApplied,
    /// Handling failed with a permanent error, or kept failing for the bounded attempts.
    HandlerFailed,
}

impl RejectionCode {
    pub const ALL: [RejectionCode; 6] = [
        Self::Undecodable,
        Self::UnexpectedType,
        Self::UnknownOrder,
        Self::WrongCausation,
        Self::ContradictsApplied,
        Self::HandlerFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Undecodable => "undecodable",
            Self::UnexpectedType => "unexpected_type",
            Self::UnknownOrder => "unknown_order",
            Self::WrongCausation => "wrong_causation",
            Self::ContradictsApplied => "contradicts_applied",
            Self::HandlerFailed => "handler_failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// Whether the original is a valid saga event the consumer chose not to apply (as opposed
    /// to bytes it could not read at all).
    pub fn is_unprocessable_event(self) -> bool {
        matches!(
            self,
            Self::UnknownOrder | Self::WrongCausation | Self::ContradictsApplied
        )
    }
}

/// Where a rejected record was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectionSource {
    pub topic: Topic,
    pub partition: u32,
    pub offset: u64,
    /// The record's key, so a replay lands in the same partition as its order's other events.
    pub key: Option<String>,
    /// The record's `correlation_id` header, when it had a usable one.
    pub correlation_id: Option<CorrelationId>,
}

/// The consumer that rejected the record: a record read by two groups may be rejected by each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedBy {
    pub group: String,
    pub component: String,
}

/// The rejected record's bytes, possibly cut short, with the size and hash of the whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    /// Size of the whole original in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the whole original.
    pub sha256: String,
    /// The original, or its first bytes when `truncated`.
    pub bytes: Vec<u8>,
    pub truncated: bool,
}

impl Original {
    /// The whole of `bytes`, with their size and hash.
    pub fn whole(bytes: Vec<u8>) -> Self {
        Self {
            size: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
            bytes,
            truncated: false,
        }
    }

    /// The same original cut to its first `keep` bytes (no-op when it is not longer).
    fn truncated_to(&self, keep: usize) -> Self {
        if keep >= self.bytes.len() {
            return self.clone();
        }
        Self {
            size: self.size,
            sha256: self.sha256.clone(),
            bytes: self.bytes[..keep].to_vec(),
            truncated: true,
        }
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why a record was rejected, by whom, and the record itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: RejectionCode,
    /// Human-readable detail (the decode error, the handler's error…).
    pub reason: String,
    pub source: RejectionSource,
    pub rejected_by: RejectedBy,
    /// Handling attempts made before giving up (1 for records that never reached a handler).
    pub attempts: u32,
    pub original: Original,
    /// How often this rejection was replayed (written 0; the DLQ tooling counts replays).
    pub replay_count: u32,
}

impl Rejection {
    pub(super) fn to_payload(&self) -> Value {
        let s = &self.source;
        json!({
            "reason_code": self.code.as_str(),
            "reason": self.reason,
            "source": {
                "topic": s.topic.as_str(),
                "partition": s.partition,
                "offset": s.offset,
                "key": s.key,
                "correlation_id": s.correlation_id.as_ref().map(CorrelationId::as_str),
            },
            "rejected_by": {"group": self.rejected_by.group, "component": self.rejected_by.component},
            "attempts": self.attempts,
            "original": {
                "size": self.original.size,
                "sha256": self.original.sha256,
                "truncated": self.original.truncated,
                "base64": BASE64.encode(&self.original.bytes),
            },
            "replay_count": self.replay_count,
        })
    }

    pub(super) fn decode_original(text: &str) -> Result<Vec<u8>, String> {
        BASE64.decode(text).map_err(|e| e.to_string())
    }
}

/// Bytes left for everything that is not the envelope itself (key, headers, record and batch
/// framing) under a producer's message size limit.
pub const FRAMING_ALLOWANCE: usize = 4096;

impl Envelope {
    /// Wraps a rejected record for its DLQ. The correlation id is the one the record carried
    /// in its headers when usable, else one derived from the rejection's own id.
    pub fn rejected(event_id: EventId, occurred_at: OffsetDateTime, rejection: Rejection) -> Self {
        let correlation_id = rejection
            .source
            .correlation_id
            .clone()
            .unwrap_or_else(|| CorrelationId::from_random_bits(event_id.as_uuid().as_u128()));
        Self {
            event_id,
            occurred_at,
            correlation_id,
            causation_id: None,
            body: EventBody::EventRejected(rejection),
            trace: None,
        }
    }

    /// The envelope encoded as `schema`, with the original of a rejection truncated as far as
    /// needed for the whole to take at most `limit - FRAMING_ALLOWANCE` bytes. Other envelopes
    /// are encoded as they are.
    pub fn encode_within(&self, limit: usize, schema: Schema) -> Vec<u8> {
        let budget = limit.saturating_sub(FRAMING_ALLOWANCE);
        let bytes = self.encode(schema);
        let EventBody::EventRejected(rejection) = &self.body else {
            return bytes;
        };
        if bytes.len() <= budget {
            return bytes;
        }
        // Everything but the original's base64 is fixed; base64 takes 4 bytes per 3.
        let mut empty = self.clone();
        let mut cut = rejection.clone();
        cut.original = rejection.original.truncated_to(0);
        empty.body = EventBody::EventRejected(cut.clone());
        let fixed = empty.encode(schema).len();
        let mut keep = budget.saturating_sub(fixed) / 4 * 3;
        loop {
            cut.original = rejection.original.truncated_to(keep);
            empty.body = EventBody::EventRejected(cut.clone());
            let bytes = empty.encode(schema);
            if bytes.len() <= budget || keep == 0 {
                return bytes;
            }
            keep = keep.saturating_sub(3);
        }
    }
}
