//! The six saga components as turmoil hosts, each running its production `run` with sim
//! adapters, a [`SimListener`], the simulated clock and a seeded entropy source. A restart calls
//! the closure again: fresh adapters, fresh pools, fresh ids; nothing survives but the backends.

use std::io;
use std::sync::Arc;

use saga_core::ports::{Clock, Entropy};
use turmoil::Sim;

use super::{
    GATEWAY, KAFKA, ORDER_API, PAYMENT, POSTGRES, REDIS, RELAY, REPLICAS, STATUS, SimClock, World,
};
use crate::adapters::{Endpoint, SimDecisionStore, SimDeliveryStore, SimEventBus, SimOrderStore};
use crate::net::{SimDialer, SimListener};
use crate::wire::{KAFKA_PORT, POSTGRES_PORT, REDIS_PORT};

/// Where the HTTP services listen, and where the workers serve `/health` and `/metrics`.
pub const HTTP_PORT: u16 = 8000;
const OPS_PORT: u16 = 9000;

/// What one incarnation of a service gets.
struct Start {
    world: Arc<World>,
    entropy: Arc<dyn Entropy>,
    clock: Arc<dyn Clock>,
}

impl Start {
    fn store(&self) -> Arc<SimOrderStore> {
        Arc::new(SimOrderStore::new(Endpoint::new(
            "postgres",
            POSTGRES,
            POSTGRES_PORT,
        )))
    }

    fn bus(&self) -> Arc<SimEventBus> {
        Arc::new(SimEventBus::new(Endpoint::new("kafka", KAFKA, KAFKA_PORT)))
    }
}

fn service<F, Fut>(sim: &mut Sim<'_>, world: &Arc<World>, name: &'static str, start: F)
where
    F: Fn(Start) -> Fut + Clone + 'static,
    Fut: Future<Output = io::Result<()>> + 'static,
{
    let world = world.clone();
    sim.host(name, move || {
        let (world, start) = (world.clone(), start.clone());
        // Started on the first poll, inside a step: turmoil's notion of the host's time is only
        // meaningful there (during `bounce` it would mix in the new runtime's wall-clock base).
        async move {
            let entropy = Arc::new(world.start_host(name));
            let running = start(Start {
                world: world.clone(),
                entropy,
                clock: Arc::new(SimClock),
            });
            running
                .await
                .map_err(|e| format!("{name} stopped: {e}").into())
        }
    });
}

/// Registers every saga component on `sim`, plus a second instance of each component named
/// in `replicas` (same group, same database: they share the work and race each other).
pub fn register(sim: &mut Sim<'_>, world: &Arc<World>, replicas: &[&'static str]) {
    service(sim, world, ORDER_API, order_api);
    service(sim, world, GATEWAY, gateway);
    for (primary, replica) in REPLICAS {
        let names = std::iter::once(primary).chain(replicas.contains(&replica).then_some(replica));
        for name in names {
            match primary {
                RELAY => service(sim, world, name, relay),
                PAYMENT => service(sim, world, name, payment_worker),
                STATUS => service(sim, world, name, status_worker),
                _ => service(sim, world, name, delivery_worker),
            }
        }
    }
}

fn forever() -> std::future::Pending<()> {
    std::future::pending()
}

async fn order_api(s: Start) -> io::Result<()> {
    let deps = saga_order_api::OrderApiDeps {
        store: s.store(),
        clock: s.clock.clone(),
        entropy: s.entropy.clone(),
    };
    let config = saga_order_api::OrderApiConfig {
        mutant: s.world.mutant,
        ..Default::default()
    };
    let listener = SimListener::bind(HTTP_PORT).await?;
    saga_order_api::run(deps, config, listener, forever()).await
}

async fn gateway(s: Start) -> io::Result<()> {
    let url = format!("http://{ORDER_API}:{HTTP_PORT}");
    let config = saga_gateway::GatewayConfig::parse(Some(&url), Some("2"))
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
    let deps = saga_gateway::GatewayDeps {
        dialer: Arc::new(SimDialer::default()),
        entropy: s.entropy.clone(),
    };
    let listener = SimListener::bind(HTTP_PORT).await?;
    saga_gateway::run(deps, config, listener, forever()).await
}

async fn relay(s: Start) -> io::Result<()> {
    let deps = saga_outbox_relay::RelayDeps {
        store: s.store(),
        bus: s.bus(),
        clock: s.clock.clone(),
    };
    let config = saga_outbox_relay::RelayConfig {
        mutant: s.world.mutant,
        ..Default::default()
    };
    saga_outbox_relay::run(deps, config, SimListener::bind(OPS_PORT).await?, forever()).await
}

async fn payment_worker(s: Start) -> io::Result<()> {
    let redis = Endpoint::new("redis", REDIS, REDIS_PORT);
    let deps = saga_payment_worker::PaymentWorkerDeps {
        bus: s.bus(),
        decisions: Arc::new(SimDecisionStore::new(redis)),
        clock: s.clock.clone(),
        entropy: s.entropy.clone(),
    };
    let config = saga_payment_worker::PaymentWorkerConfig {
        mutant: s.world.mutant,
        ..Default::default()
    };
    let listener = SimListener::bind(OPS_PORT).await?;
    saga_payment_worker::run(deps, config, listener, forever()).await
}

async fn status_worker(s: Start) -> io::Result<()> {
    let deps = saga_order_status_worker::StatusWorkerDeps {
        bus: s.bus(),
        store: s.store(),
        clock: s.clock.clone(),
        entropy: s.entropy.clone(),
    };
    let config = saga_order_status_worker::StatusWorkerConfig {
        mutant: s.world.mutant,
        ..Default::default()
    };
    let listener = SimListener::bind(OPS_PORT).await?;
    saga_order_status_worker::run(deps, config, listener, forever()).await
}

async fn delivery_worker(s: Start) -> io::Result<()> {
    let postgres = Endpoint::new("postgres", POSTGRES, POSTGRES_PORT);
    let deps = saga_delivery_worker::DeliveryWorkerDeps {
        bus: s.bus(),
        deliveries: Arc::new(SimDeliveryStore::new(postgres)),
        clock: s.clock.clone(),
        entropy: s.entropy.clone(),
    };
    let config = saga_delivery_worker::DeliveryWorkerConfig {
        mutant: s.world.mutant,
        ..Default::default()
    };
    let listener = SimListener::bind(OPS_PORT).await?;
    saga_delivery_worker::run(deps, config, listener, forever()).await
}
