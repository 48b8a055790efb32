//! The last resort for rejections: a table in PostgreSQL that keeps an `EVENT_REJECTED` the DLQ
//! topic could not take, so a consumer can commit past a poisoned record without losing it.

use async_trait::async_trait;

use super::PortError;
use crate::event::Envelope;

/// Rejections kept outside Kafka.
#[async_trait]
pub trait DeadLetterStore: Send + Sync + 'static {
    /// Keeps `rejection` (an `EVENT_REJECTED` envelope, original untruncated) with `why` the DLQ
    /// topic did not take it.
    ///
    /// Contract: durable once `Ok`; idempotent per rejecting group and source record (topic,
    /// partition, offset): keeping the same one twice keeps the first. Any other envelope
    /// is [`PortError::Rejected`].
    ///
    /// # Errors
    /// [`PortError`] when the store is unreachable; the letter may have been kept.
    async fn keep(&self, rejection: &Envelope, why: &str) -> Result<(), PortError>;

    /// Every kept rejection, oldest first.
    ///
    /// # Errors
    /// [`PortError`] when the store is unreachable.
    async fn list(&self) -> Result<Vec<Envelope>, PortError>;
}
