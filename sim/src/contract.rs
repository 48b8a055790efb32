//! Running the port contract suite (`saga-contract`) against the sim adapters, inside a
//! simulation whose only hosts are the three simulated backends: each clause runs as the
//! simulation's client, so the adapters are exercised over turmoil TCP exactly as services use
//! them.

use std::sync::Arc;
use std::time::Duration;

use saga_core::ports::{DeadLetterStore, DecisionStore, DeliveryStore, EventBus, OrderStore};

use crate::adapters::{
    Endpoint, SimDeadLetters, SimDecisionStore, SimDeliveryStore, SimEventBus, SimOrderStore,
};
use crate::wire::{KAFKA_PORT, POSTGRES_PORT, REDIS_PORT};
use crate::world::{KAFKA, MAX_LATENCY, MIN_LATENCY, POSTGRES, REDIS, World};

/// Runs `clause` as the client of a fresh simulation with fresh backends; panics if it fails.
pub fn run<F, Fut>(clause: F)
where
    F: FnOnce() -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let world = World::new(0, None);
    let mut sim = turmoil::Builder::new()
        .rng_seed(0)
        .simulation_duration(Duration::from_secs(600))
        .min_message_latency(MIN_LATENCY)
        .max_message_latency(MAX_LATENCY)
        .tcp_capacity(1024)
        .build();
    crate::infra::register(&mut sim, &world);
    sim.client("contract", async move {
        clause().await;
        Ok(())
    });
    if let Err(error) = sim.run() {
        panic!("contract clause failed: {error}");
    }
}

pub async fn order_store() -> Arc<dyn OrderStore> {
    let postgres = Endpoint::new("postgres", POSTGRES, POSTGRES_PORT);
    Arc::new(SimOrderStore::new(postgres, None))
}

pub async fn event_bus() -> Arc<dyn EventBus> {
    Arc::new(SimEventBus::new(Endpoint::new("kafka", KAFKA, KAFKA_PORT)))
}

pub async fn decision_store() -> Arc<dyn DecisionStore> {
    Arc::new(SimDecisionStore::new(Endpoint::new(
        "redis", REDIS, REDIS_PORT,
    )))
}

pub async fn delivery_store() -> Arc<dyn DeliveryStore> {
    Arc::new(SimDeliveryStore::new(Endpoint::new(
        "postgres",
        POSTGRES,
        POSTGRES_PORT,
    )))
}

pub async fn dead_letters() -> Arc<dyn DeadLetterStore> {
    Arc::new(SimDeadLetters::new(Endpoint::new(
        "postgres",
        POSTGRES,
        POSTGRES_PORT,
    )))
}
