//! Poison records: bytes on a saga topic that are no event, keyed like an order's events.

use saga_core::Topic;
use saga_core::ports::OutgoingMessage;
use serde::{Deserialize, Serialize};

/// How big a poison record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PoisonSize {
    /// A few bytes of JSON that is not an envelope.
    Small,
    /// Bytes that are not JSON, just under the producer's record limit: their rejection,
    /// carrying the original, cannot fit under that limit.
    Oversized,
}

/// Room left under the limit for the record's key and framing.
const HEADROOM: usize = 64;

/// The record's bytes, for a bus that takes records up to `limit` bytes.
pub fn poison_payload(size: PoisonSize, limit: usize) -> Vec<u8> {
    match size {
        PoisonSize::Small => br#"{"event_type":"ORDER_CREATED","schema_version":99}"#.to_vec(),
        PoisonSize::Oversized => {
            let mut bytes = vec![b'x'; limit.saturating_sub(HEADROOM).max(1)];
            // Not UTF-8, so not JSON whatever follows.
            bytes[0] = 0xff;
            bytes
        }
    }
}

/// The poison record for `topic`.
pub fn poison_message(topic: Topic, size: PoisonSize, limit: usize) -> OutgoingMessage {
    OutgoingMessage {
        topic,
        key: "1".into(),
        payload: poison_payload(size, limit),
        correlation_id: None,
        replay: None,
        trace: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_poison_is_json_but_no_envelope() {
        let bytes = poison_payload(PoisonSize::Small, 1_000);
        assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_ok());
        assert!(saga_core::event::decode(&bytes).is_err());
    }

    #[test]
    fn oversized_poison_fits_the_limit_and_is_not_json() {
        let message = poison_message(Topic::Orders, PoisonSize::Oversized, 16 * 1024);
        assert!(message.payload.len() + message.key.len() <= 16 * 1024);
        assert!(message.payload.len() > 16 * 1024 - HEADROOM - 1);
        assert!(serde_json::from_slice::<serde_json::Value>(&message.payload).is_err());
    }
}
