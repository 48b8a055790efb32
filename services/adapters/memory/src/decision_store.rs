//! The in-memory decision store: first decision per source event wins, forever.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use saga_core::ports::{DecisionStore, PortError};
use saga_core::{EventId, PaymentDecision};

/// Payment decisions in memory. Cheap to clone; clones share state.
#[derive(Debug, Clone, Default)]
pub struct MemoryDecisionStore {
    decisions: Arc<Mutex<BTreeMap<EventId, PaymentDecision>>>,
}

impl MemoryDecisionStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Set-if-absent; returns the stored decision.
    pub fn decide_now(&self, source: EventId, proposal: PaymentDecision) -> PaymentDecision {
        *self
            .decisions
            .lock()
            .expect("decision lock poisoned")
            .entry(source)
            .or_insert(proposal)
    }

    /// The stored decision of `source`, if any.
    pub fn get(&self, source: EventId) -> Option<PaymentDecision> {
        let decisions = self.decisions.lock().expect("decision lock poisoned");
        decisions.get(&source).copied()
    }

    /// Removes the decisions of `sources`, as a store that acknowledged them and then lost
    /// them would (the simulation's Redis losing its unsynced writes on a crash).
    pub fn forget(&self, sources: &[EventId]) {
        let mut decisions = self.decisions.lock().expect("decision lock poisoned");
        for source in sources {
            decisions.remove(source);
        }
    }

    /// Every stored decision, ordered by source event id.
    pub fn snapshot(&self) -> Vec<(EventId, PaymentDecision)> {
        let decisions = self.decisions.lock().expect("decision lock poisoned");
        decisions.iter().map(|(k, v)| (*k, *v)).collect()
    }
}

#[async_trait]
impl DecisionStore for MemoryDecisionStore {
    async fn decide(
        &self,
        source: EventId,
        proposal: PaymentDecision,
    ) -> Result<PaymentDecision, PortError> {
        Ok(self.decide_now(source, proposal))
    }

    async fn ping(&self) -> Result<(), PortError> {
        Ok(())
    }
}
