//! The simulated topology: three backend hosts and six service hosts. Backends are registered
//! first so their addresses are stable whatever services are added later.

use std::sync::Arc;

use turmoil::Sim;

use super::{KAFKA, POSTGRES, REDIS, World, services};
use crate::infra;

/// Registers every backend and every saga component (with the seed's `replicas`) on `sim`.
pub fn register(sim: &mut Sim<'_>, world: &Arc<World>, replicas: &[&'static str]) {
    register_backends(sim, world);
    services::register(sim, world, replicas);
}

/// Registers the simulated PostgreSQL, Kafka and Redis hosts.
pub fn register_backends(sim: &mut Sim<'_>, world: &Arc<World>) {
    let w = world.clone();
    sim.host(POSTGRES, move || {
        let w = w.clone();
        async move { Ok(infra::serve_postgres(w).await?) }
    });
    let w = world.clone();
    sim.host(KAFKA, move || {
        let w = w.clone();
        async move { Ok(infra::serve_kafka(w).await?) }
    });
    let w = world.clone();
    sim.host(REDIS, move || {
        let w = w.clone();
        async move { Ok(infra::serve_redis(w).await?) }
    });
}
