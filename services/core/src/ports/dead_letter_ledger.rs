//! What operators did with dead letters (`saga dlq replay` / `discard`, the explorer's buttons):
//! one action per dead letter, recorded with who, when and why, so a letter is replayed or
//! discarded once however many operators press the button.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::PortError;
use crate::domain::EventId;

/// What was done with a dead letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadLetterActionKind {
    /// Its original was re-published to its source topic, as the `count`-th replay of that
    /// original (the rejection's `replay_count` plus one).
    Replayed { count: u32 },
    /// Closed without replaying.
    Discarded,
}

impl DeadLetterActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Replayed { .. } => "replayed",
            Self::Discarded => "discarded",
        }
    }
}

/// One operator action on one dead letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetterAction {
    /// The `EVENT_REJECTED` envelope's event id.
    pub dead_letter: EventId,
    pub kind: DeadLetterActionKind,
    /// The API key's name, or the operator's account when no keys are configured.
    pub actor: String,
    pub why: String,
    pub at: OffsetDateTime,
}

/// The record of operator actions on dead letters.
#[async_trait]
pub trait DeadLetterLedger: Send + Sync + 'static {
    /// Records `action` unless its dead letter already has one.
    ///
    /// Contract: durable once `Ok`; `Ok(true)` when recorded, `Ok(false)` when the letter had
    /// an action already (which is kept unchanged), so of two concurrent actions one wins.
    ///
    /// # Errors
    /// [`PortError`] when the store is unreachable; the action may have been recorded.
    async fn record(&self, action: &DeadLetterAction) -> Result<bool, PortError>;

    /// Every recorded action, oldest first.
    ///
    /// # Errors
    /// [`PortError`] when the store is unreachable.
    async fn actions(&self) -> Result<Vec<DeadLetterAction>, PortError>;
}
