//! The in-memory dead-letter store: rejections the DLQ topic could not take, one per rejecting
//! group and source record.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use saga_core::event::{Envelope, EventBody};
use saga_core::ports::{DeadLetterStore, PortError};

/// Kept rejections in memory. Cheap to clone; clones share state.
#[derive(Debug, Clone, Default)]
pub struct MemoryDeadLetters {
    letters: Arc<Mutex<Vec<Envelope>>>,
}

impl MemoryDeadLetters {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps `rejection` unless the same group already kept the same source record; false for
    /// an envelope that is not a rejection.
    pub fn keep_now(&self, rejection: &Envelope) -> bool {
        let EventBody::EventRejected(new) = &rejection.body else {
            return false;
        };
        let mut letters = self.letters.lock().expect("dead letter lock poisoned");
        let same = |kept: &Envelope| match &kept.body {
            EventBody::EventRejected(old) => {
                old.rejected_by.group == new.rejected_by.group && old.source == new.source
            }
            _ => false,
        };
        if !letters.iter().any(same) {
            letters.push(rejection.clone());
        }
        true
    }

    /// Every kept rejection, oldest first.
    pub fn snapshot(&self) -> Vec<Envelope> {
        self.letters
            .lock()
            .expect("dead letter lock poisoned")
            .clone()
    }
}

#[async_trait]
impl DeadLetterStore for MemoryDeadLetters {
    async fn keep(&self, rejection: &Envelope, _why: &str) -> Result<(), PortError> {
        if self.keep_now(rejection) {
            Ok(())
        } else {
            Err(PortError::rejected(
                "memory",
                "only EVENT_REJECTED envelopes are kept",
            ))
        }
    }

    async fn list(&self) -> Result<Vec<Envelope>, PortError> {
        Ok(self.snapshot())
    }
}
