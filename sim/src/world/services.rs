//! The saga's components as turmoil hosts: each runs its registry entry — the production
//! component — in the simulation's [`Environment`]: sim adapters, a [`SimListener`] and
//! [`SimDialer`], the simulated clock and a seeded entropy source per incarnation. A restart
//! calls the host closure again: fresh adapters, fresh pools, fresh ids; nothing survives but
//! the backends.

use std::io;
use std::sync::Arc;

use async_trait::async_trait;
use saga_components::{BoxError, BoxListener, Component, Environment, Serves};
use saga_core::ports::{
    Clock, DecisionStore, DeliveryStore, Entropy, EventBus, OrderStore, SeededEntropy,
};
use saga_runtime::net::Dialer;
use turmoil::Sim;

use super::topology::{KAFKA, POSTGRES, REDIS, replicas, simulated};
use super::{HostClock, World};
use crate::adapters::{
    Endpoint, SimDeadLetters, SimDecisionStore, SimDeliveryStore, SimEventBus, SimOrderStore,
};
use crate::net::{SimDialer, SimListener};
use crate::wire::{KAFKA_PORT, POSTGRES_PORT, REDIS_PORT};

/// Where the HTTP APIs listen, and where the workers serve `/health` and `/metrics`.
pub const HTTP_PORT: u16 = 8000;
const OPS_PORT: u16 = 9000;

/// Configuration variables every simulated component sees. The gateway gives up on the
/// Order API sooner than by default, so faults show up as 504s within the run.
/// The gateway is open (no API keys): the simulated clients are the saga's own, and a per-key
/// rate limit would only turn the workload's bursts into 429s. The relay's reconciler and
/// retention run with windows short enough to act within a run, during the faults: an order
/// PENDING for 8 s has its ORDER_CREATED re-driven (how an order whose events Kafka lost
/// still ends), and published outbox rows go after 10 s (the reconciler's rows of PENDING
/// orders must survive that). Processed events are kept 8 days, inside the clock classes'
/// 9–30-day jumps, so a store that trusted a writer's clock would prune them at once.
const VARS: [(&str, &str); 6] = [
    ("UPSTREAM_TIMEOUT_SECONDS", "2"),
    ("API_AUTH", "off"),
    ("RECONCILE_INTERVAL_SECONDS", "2"),
    ("RECONCILE_STUCK_AFTER_SECONDS", "8"),
    ("RETENTION_INTERVAL_SECONDS", "1"),
    ("OUTBOX_RETENTION_SECONDS", "10"),
];

fn port(component: &Component) -> u16 {
    match component.serves {
        Serves::Api | Serves::Pages => HTTP_PORT,
        Serves::Ops | Serves::Audit => OPS_PORT,
    }
}

/// One incarnation of one service host.
struct SimEnvironment {
    world: Arc<World>,
    host: &'static str,
    entropy: Arc<SeededEntropy>,
}

#[async_trait]
impl Environment for SimEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        if let Some(value) = self.world.releases.var(self.host, name) {
            return Some(value);
        }
        if name == "PROCESSED_EVENTS_RETENTION_SECONDS" {
            // Sized as an operator sizes it: exactly the payments topic's redelivery window.
            let window = crate::infra::retention::payments_window();
            return window.total().map(|w| w.as_secs().to_string());
        }
        VARS.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
    }

    fn url_of(&self, component: &Component) -> Option<String> {
        Some(format!("http://{}:{}", component.name, port(component)))
    }

    fn clock(&self) -> Arc<dyn Clock> {
        Arc::new(HostClock {
            world: self.world.clone(),
            host: self.host,
        })
    }

    fn entropy(&self) -> Arc<dyn Entropy> {
        self.entropy.clone()
    }

    fn dialer(&self) -> Arc<dyn Dialer> {
        Arc::new(SimDialer::default())
    }

    async fn listen(&self, component: &Component) -> io::Result<BoxListener> {
        let listener = BoxListener::new(SimListener::bind(port(component)).await?);
        self.world.stops.serving(self.host);
        Ok(listener)
    }

    async fn order_store(&self) -> Result<Arc<dyn OrderStore>, BoxError> {
        let postgres = Endpoint::new("postgres", POSTGRES, POSTGRES_PORT);
        postgres.reach().await;
        Ok(Arc::new(SimOrderStore::new(postgres, self.world.mutant)))
    }

    async fn event_bus(&self) -> Result<Arc<dyn EventBus>, BoxError> {
        let kafka = Endpoint::new("kafka", KAFKA, KAFKA_PORT);
        kafka.reach().await;
        Ok(Arc::new(SimEventBus::new(kafka)))
    }

    async fn redelivery_window(
        &self,
        topic: saga_core::Topic,
    ) -> Result<Option<saga_core::redelivery::Window>, BoxError> {
        use crate::infra::retention::{TOPIC, payments_window};
        Ok((topic == TOPIC).then(payments_window))
    }

    async fn decision_store(&self) -> Result<Arc<dyn DecisionStore>, BoxError> {
        let redis = Endpoint::new("redis", REDIS, REDIS_PORT);
        redis.reach().await;
        Ok(Arc::new(SimDecisionStore::new(redis)))
    }

    async fn delivery_store(&self) -> Result<Arc<dyn DeliveryStore>, BoxError> {
        let postgres = Endpoint::new("postgres", POSTGRES, POSTGRES_PORT);
        postgres.reach().await;
        Ok(Arc::new(SimDeliveryStore::new(postgres)))
    }

    async fn dead_letters(&self) -> Result<Arc<dyn saga_core::ports::DeadLetterStore>, BoxError> {
        let postgres = Endpoint::new("postgres", POSTGRES, POSTGRES_PORT);
        postgres.reach().await;
        Ok(Arc::new(SimDeadLetters::new(postgres)))
    }
}

fn service(sim: &mut Sim<'_>, world: &Arc<World>, host: &'static str, component: Component) {
    let world = world.clone();
    sim.host(host, move || {
        let world = world.clone();
        // Started on the first poll, inside a step: turmoil's notion of the host's time is only
        // meaningful there (during `bounce` it would mix in the new runtime's wall-clock base).
        async move {
            let entropy = Arc::new(world.start_host(host));
            let shutdown = world.stops.register(host);
            let env = Arc::new(SimEnvironment {
                world,
                host,
                entropy,
            });
            saga_components::run(component, env, shutdown)
                .await
                .map_err(|e| format!("{host} stopped: {e}").into())
        }
    });
}

/// Registers every component of the registry on `sim`, plus a second instance of each one
/// named in `replicas` (same group, same database: they share the work and race each other).
pub fn register(sim: &mut Sim<'_>, world: &Arc<World>, chosen: &[&'static str]) {
    for &component in simulated() {
        service(sim, world, component.name, component);
        let replica = replicas()
            .iter()
            .find(|(primary, _)| *primary == component.name);
        if let Some(&(_, replica)) = replica.filter(|(_, r)| chosen.contains(r)) {
            service(sim, world, replica, component);
        }
    }
}
