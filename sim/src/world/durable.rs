//! The durable state of the simulated backends: the core's memory models, created once per run
//! and kept outside the host closures so a crashed backend comes back with its data.

use std::sync::Mutex;

use saga_core::snapshot::{Acknowledged, StatusChange, SystemSnapshot};
use saga_memory::{
    MemoryDeadLetterLedger, MemoryDeadLetters, MemoryDecisionStore, MemoryDeliveryStore,
    MemoryEventBus, MemoryOrderStore,
};

use super::{Sabotage, Unflushed};

/// PostgreSQL's tables, Kafka's logs and committed offsets, Redis's keys; what Redis and Kafka
/// have not yet synced to disk; and the unprocessable data the harness planted.
pub struct Durable {
    pub store: MemoryOrderStore,
    pub deliveries: MemoryDeliveryStore,
    pub bus: MemoryEventBus,
    pub decisions: MemoryDecisionStore,
    pub unflushed: Unflushed,
    pub sabotage: Sabotage,
    /// PostgreSQL's dead-letter table.
    pub dead_letters: MemoryDeadLetters,
    /// PostgreSQL's ledger of operators' actions on dead letters.
    pub ledger: MemoryDeadLetterLedger,
    /// When each record of the topic with a retention was appended.
    pub appended_at: crate::infra::retention::AppendTimes,
    status_changes_seen: Mutex<usize>,
}

impl Default for Durable {
    fn default() -> Self {
        Self {
            store: MemoryOrderStore::new(),
            deliveries: MemoryDeliveryStore::new(),
            bus: MemoryEventBus::new(3).with_max_message_bytes(crate::infra::MESSAGE_MAX_BYTES),
            decisions: MemoryDecisionStore::new(),
            unflushed: Unflushed::default(),
            sabotage: Sabotage::default(),
            dead_letters: MemoryDeadLetters::new(),
            ledger: MemoryDeadLetterLedger::new(),
            appended_at: Default::default(),
            status_changes_seen: Mutex::new(0),
        }
    }
}

impl Durable {
    /// Status changes applied since the last call.
    pub fn new_status_changes(&self) -> Vec<StatusChange> {
        let mut seen = self.status_changes_seen.lock().expect("lock poisoned");
        let changes = self.store.status_changes_since(*seen);
        *seen += changes.len();
        changes
    }

    /// The whole system's durable state, for the core checker.
    pub fn snapshot(&self, acknowledged: Vec<Acknowledged>) -> SystemSnapshot {
        SystemSnapshot {
            acknowledged,
            store: self.store.snapshot(),
            decisions: self.decisions.snapshot(),
            deliveries: self.deliveries.snapshot(),
            bus: self.bus.snapshot(),
            dead_letters: self.dead_letters.snapshot(),
            dead_letter_actions: self.ledger.snapshot(),
            interference: Default::default(),
        }
    }
}
