//! The six saga components as turmoil hosts, each running its production `run` with sim
//! adapters, a [`SimListener`], the simulated clock and a seeded entropy source. A restart calls
//! the closure again: fresh adapters, fresh pools, fresh ids; nothing survives but the backends.

use std::io;
use std::sync::Arc;

use saga_core::ports::{Clock, Entropy};
use turmoil::Sim;

use super::{
    DELIVERY, GATEWAY, KAFKA, ORDER_API, PAYMENT, POSTGRES, REDIS, RELAY, STATUS, SimClock, World,
};
use crate::client::{Endpoint, SimDecisionStore, SimDeliveryStore, SimEventBus, SimOrderStore};
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
    F: Fn(Start) -> Fut + 'static,
    Fut: Future<Output = io::Result<()>> + 'static,
{
    let world = world.clone();
    sim.host(name, move || {
        let entropy = Arc::new(world.start_host(name));
        let running = start(Start {
            world: world.clone(),
            entropy,
            clock: Arc::new(SimClock),
        });
        async move {
            running
                .await
                .map_err(|e| format!("{name} stopped: {e}").into())
        }
    });
}

/// Registers every saga component on `sim`.
pub fn register(sim: &mut Sim<'_>, world: &Arc<World>) {
    let forever = std::future::pending::<()>;
    service(sim, world, ORDER_API, move |s| async move {
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
    });
    service(sim, world, GATEWAY, move |s| async move {
        let url = format!("http://{ORDER_API}:{HTTP_PORT}");
        let config = saga_gateway::GatewayConfig::parse(Some(&url), Some("2"))
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let deps = saga_gateway::GatewayDeps {
            dialer: Arc::new(SimDialer::default()),
            entropy: s.entropy.clone(),
        };
        let listener = SimListener::bind(HTTP_PORT).await?;
        saga_gateway::run(deps, config, listener, forever()).await
    });
    service(sim, world, RELAY, move |s| async move {
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
    });
    service(sim, world, PAYMENT, move |s| async move {
        let deps = saga_payment_worker::PaymentWorkerDeps {
            bus: s.bus(),
            decisions: Arc::new(SimDecisionStore::new(Endpoint::new(
                "redis", REDIS, REDIS_PORT,
            ))),
            clock: s.clock.clone(),
            entropy: s.entropy.clone(),
        };
        let config = saga_payment_worker::PaymentWorkerConfig {
            mutant: s.world.mutant,
            ..Default::default()
        };
        let listener = SimListener::bind(OPS_PORT).await?;
        saga_payment_worker::run(deps, config, listener, forever()).await
    });
    service(sim, world, STATUS, move |s| async move {
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
    });
    service(sim, world, DELIVERY, move |s| async move {
        let deps = saga_delivery_worker::DeliveryWorkerDeps {
            bus: s.bus(),
            deliveries: Arc::new(SimDeliveryStore::new(Endpoint::new(
                "postgres",
                POSTGRES,
                POSTGRES_PORT,
            ))),
            clock: s.clock.clone(),
            entropy: s.entropy.clone(),
        };
        let config = saga_delivery_worker::DeliveryWorkerConfig {
            mutant: s.world.mutant,
            ..Default::default()
        };
        let listener = SimListener::bind(OPS_PORT).await?;
        saga_delivery_worker::run(deps, config, listener, forever()).await
    });
}
