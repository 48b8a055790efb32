//! The contract suite against the in-memory adapters.

use std::sync::Arc;

use saga_core::ports::{DecisionStore, DeliveryStore, EventBus, OrderStore};
use saga_memory::{MemoryDecisionStore, MemoryDeliveryStore, MemoryEventBus, MemoryOrderStore};

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

saga_contract::order_store_contract!(order_store());
saga_contract::event_bus_contract!(event_bus());
saga_contract::decision_store_contract!(decision_store());
saga_contract::delivery_store_contract!(delivery_store());
