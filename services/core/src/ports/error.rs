//! The one error type ports return. Adapters translate driver errors into it so no driver
//! type leaks into service code, and the variant carries the classification callers act on:
//! `Unavailable`, `Timeout` and `Rebalanced` are transient (retry with backoff for as long as
//! it takes), `Rejected` is permanent (retrying the same request cannot help: the consumer loop
//! dead-letters the record after a bounded number of attempts).

use std::time::Duration;

/// A port operation that did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// The backend could not be reached or failed; the operation may or may not have taken
    /// effect (callers retry idempotent operations).
    #[error("{backend} unavailable: {reason}")]
    Unavailable {
        backend: &'static str,
        reason: String,
    },
    /// The backend did not answer in time; the outcome is unknown.
    #[error("{backend} timed out after {after:?}")]
    Timeout {
        backend: &'static str,
        after: Duration,
    },
    /// The consumer lost its partition assignment (rebalance, broker restart, session
    /// expiry); uncommitted deliveries will be redelivered. Re-subscribe.
    #[error("consumer group membership lost: {0}")]
    Rebalanced(String),
    /// The request is invalid for this backend (a bug, not a transient failure).
    #[error("{backend} rejected the request: {reason}")]
    Rejected {
        backend: &'static str,
        reason: String,
    },
}

impl PortError {
    pub fn unavailable(backend: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::Unavailable {
            backend,
            reason: reason.to_string(),
        }
    }

    pub fn timeout(backend: &'static str, after: Duration) -> Self {
        Self::Timeout { backend, after }
    }

    pub fn rejected(backend: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::Rejected {
            backend,
            reason: reason.to_string(),
        }
    }

    /// Whether retrying the same operation later may succeed (see the module docs).
    pub fn is_transient(&self) -> bool {
        !matches!(self, Self::Rejected { .. })
    }
}
