//! The payment decision store (Redis): a decision made once per source event, forever.

use async_trait::async_trait;

use super::PortError;
use crate::domain::{EventId, PaymentDecision};

/// Stable payment decisions.
#[async_trait]
pub trait DecisionStore: Send + Sync + 'static {
    /// Stores `proposal` for `source` if no decision exists, atomically, and returns the
    /// decision that is stored.
    ///
    /// Contract: MUST return the first stored decision for `source` to every caller, forever,
    /// whatever they propose; concurrent callers agree.
    ///
    /// # Errors
    /// [`PortError`] when the store is unreachable; the proposal may have been stored.
    async fn decide(
        &self,
        source: EventId,
        proposal: PaymentDecision,
    ) -> Result<PaymentDecision, PortError>;

    /// Succeeds when the store answers.
    ///
    /// # Errors
    /// [`PortError`] naming why it did not.
    async fn ping(&self) -> Result<(), PortError>;
}
