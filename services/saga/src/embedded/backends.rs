//! The memory backends of the embedded saga, and the checker's view of them.

use std::sync::Arc;

use async_trait::async_trait;
use saga_core::ports::{
    Clock, DeadLetterLedger, DeadLetterStore, DecisionStore, DeliveryStore, EventBus, OrderStore,
    PortError,
};
use saga_core::snapshot::{Acknowledged, SystemSnapshot};
use saga_memory::{
    MemoryDeadLetterLedger, MemoryDeadLetters, MemoryDecisionStore, MemoryDeliveryStore,
    MemoryEventBus, MemoryOrderStore,
};

/// One instance of each memory adapter, shared by every embedded component.
#[derive(Debug, Clone)]
pub struct MemoryBackends {
    pub store: MemoryOrderStore,
    pub bus: MemoryEventBus,
    pub decisions: MemoryDecisionStore,
    pub deliveries: MemoryDeliveryStore,
    pub dead_letters: MemoryDeadLetters,
    pub dead_letter_ledger: MemoryDeadLetterLedger,
}

impl MemoryBackends {
    /// Fresh backends; the bus stamps records with `clock`, so the explorer can show when each
    /// was published.
    pub fn new(partitions: u32, clock: Arc<dyn Clock>) -> Self {
        Self {
            store: MemoryOrderStore::new(),
            bus: MemoryEventBus::with_clock(partitions, clock),
            decisions: MemoryDecisionStore::new(),
            deliveries: MemoryDeliveryStore::new(),
            dead_letters: MemoryDeadLetters::new(),
            dead_letter_ledger: MemoryDeadLetterLedger::new(),
        }
    }

    pub fn dead_letters(&self) -> Arc<dyn DeadLetterStore> {
        Arc::new(self.dead_letters.clone())
    }

    pub fn dead_letter_ledger(&self) -> Arc<dyn DeadLetterLedger> {
        Arc::new(self.dead_letter_ledger.clone())
    }

    pub fn store(&self) -> Arc<dyn OrderStore> {
        Arc::new(self.store.clone())
    }

    pub fn bus(&self) -> Arc<dyn EventBus> {
        Arc::new(self.bus.clone())
    }

    pub fn decisions(&self) -> Arc<dyn DecisionStore> {
        Arc::new(self.decisions.clone())
    }

    pub fn deliveries(&self) -> Arc<dyn DeliveryStore> {
        Arc::new(self.deliveries.clone())
    }

    /// The whole system's state, for the checker.
    pub fn snapshot(&self, acknowledged: Vec<Acknowledged>) -> SystemSnapshot {
        SystemSnapshot {
            acknowledged,
            store: self.store.snapshot(),
            decisions: self.decisions.snapshot(),
            deliveries: self.deliveries.snapshot(),
            bus: self.bus.snapshot(),
            dead_letters: self.dead_letters.snapshot(),
            dead_letter_actions: self.dead_letter_ledger.snapshot(),
            interference: Default::default(),
        }
    }
}

/// The explorer reads the memory backends as the checker does.
#[async_trait]
impl saga_explorer::SagaSource for MemoryBackends {
    async fn snapshot(&self) -> Result<SystemSnapshot, PortError> {
        Ok(MemoryBackends::snapshot(self, Vec::new()))
    }
}
