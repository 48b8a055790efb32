//! The contract suite against the in-memory adapters.

use std::sync::Arc;

use saga_core::ports::{
    DeadLetterLedger, DeadLetterStore, DecisionStore, DeliveryStore, EventBus, OrderStore,
};
use saga_memory::{
    MemoryDeadLetterLedger, MemoryDeadLetters, MemoryDecisionStore, MemoryDeliveryStore,
    MemoryEventBus, MemoryOrderStore,
};

async fn order_store() -> Arc<dyn OrderStore> {
    Arc::new(MemoryOrderStore::new())
}

async fn event_bus() -> Arc<dyn EventBus> {
    Arc::new(MemoryEventBus::new(3))
}

async fn decision_store() -> Arc<dyn DecisionStore> {
    Arc::new(MemoryDecisionStore::new())
}

async fn delivery_store() -> Arc<dyn DeliveryStore> {
    Arc::new(MemoryDeliveryStore::new())
}

async fn dead_letters() -> Arc<dyn DeadLetterStore> {
    Arc::new(MemoryDeadLetters::new())
}

async fn dead_letter_ledger() -> Arc<dyn DeadLetterLedger> {
    Arc::new(MemoryDeadLetterLedger::new())
}

saga_contract::order_store_contract!(order_store());
saga_contract::dead_letter_ledger_contract!(dead_letter_ledger());
saga_contract::dead_letter_store_contract!(dead_letters());
saga_contract::event_bus_contract!(event_bus());
saga_contract::decision_store_contract!(decision_store());
saga_contract::delivery_store_contract!(delivery_store());
