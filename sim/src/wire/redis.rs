//! The simulated Redis protocol: `SET NX` of a payment decision, and `PING`.

use saga_core::{EventId, PaymentDecision};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub enum RedisRequest {
    Decide {
        source: EventId,
        proposal: PaymentDecision,
    },
    Ping,
}

impl RedisRequest {
    pub fn is_write(&self) -> bool {
        matches!(self, Self::Decide { .. })
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub enum RedisResponse {
    Decision(PaymentDecision),
    Pong,
    /// The request failed for good (the stored value is not a decision).
    Error(String),
}
