//! The in-memory record of operator actions on dead letters, one per letter.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use saga_core::ports::{DeadLetterAction, DeadLetterLedger, PortError};

/// Operator actions in memory. Cheap to clone; clones share state.
#[derive(Debug, Clone, Default)]
pub struct MemoryDeadLetterLedger {
    actions: Arc<Mutex<Vec<DeadLetterAction>>>,
}

impl MemoryDeadLetterLedger {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every recorded action, oldest first, read at once (for a snapshot).
    pub fn snapshot(&self) -> Vec<DeadLetterAction> {
        self.actions.lock().expect("ledger lock poisoned").clone()
    }
}

#[async_trait]
impl DeadLetterLedger for MemoryDeadLetterLedger {
    async fn record(&self, action: &DeadLetterAction) -> Result<bool, PortError> {
        let mut actions = self.actions.lock().expect("ledger lock poisoned");
        if actions.iter().any(|a| a.dead_letter == action.dead_letter) {
            return Ok(false);
        }
        actions.push(action.clone());
        Ok(true)
    }

    async fn actions(&self) -> Result<Vec<DeadLetterAction>, PortError> {
        Ok(self.actions.lock().expect("ledger lock poisoned").clone())
    }
}
