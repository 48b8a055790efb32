//! `EVENT_REJECTED`: the wrapper a consumer writes to a DLQ for bytes it cannot decode,
//! carrying the reason and the original bytes so nothing is lost.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Envelope, EventBody};
use crate::domain::{CorrelationId, EventId};
use crate::topic::Topic;

/// Where a rejected record was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectionSource {
    pub topic: Topic,
    pub partition: u32,
    pub offset: u64,
}

/// Why a record was rejected, and the record itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub reason: String,
    pub source: Option<RejectionSource>,
    pub original: Vec<u8>,
}

impl Rejection {
    pub(super) fn to_payload(&self) -> Value {
        let source = self.source.as_ref().map(
            |s| json!({"topic": s.topic.as_str(), "partition": s.partition, "offset": s.offset}),
        );
        json!({
            "reason": self.reason,
            "source": source,
            "original_base64": BASE64.encode(&self.original),
        })
    }

    pub(super) fn decode_original(text: &str) -> Result<Vec<u8>, String> {
        BASE64.decode(text).map_err(|e| e.to_string())
    }
}

impl Envelope {
    /// Wraps an undecodable record for its DLQ. The correlation id is the one the record
    /// carried in its headers when usable, else one derived from the rejection's own id.
    pub fn rejected(
        event_id: EventId,
        occurred_at: OffsetDateTime,
        correlation_id: Option<CorrelationId>,
        rejection: Rejection,
    ) -> Self {
        let correlation_id = correlation_id
            .unwrap_or_else(|| CorrelationId::from_random_bits(event_id.as_uuid().as_u128()));
        Self {
            event_id,
            occurred_at,
            correlation_id,
            causation_id: None,
            body: EventBody::EventRejected(rejection),
        }
    }
}
