//! The simulated backends as turmoil hosts. They are registered before the saga's components,
//! so their addresses are stable whatever components the registry adds.

use std::sync::Arc;

use turmoil::Sim;

use crate::world::{KAFKA, POSTGRES, REDIS, World};

/// Registers the simulated PostgreSQL, Kafka and Redis hosts.
pub fn register(sim: &mut Sim<'_>, world: &Arc<World>) {
    let w = world.clone();
    sim.host(POSTGRES, move || {
        let w = w.clone();
        async move { Ok(super::serve_postgres(w).await?) }
    });
    let w = world.clone();
    sim.host(KAFKA, move || {
        let w = w.clone();
        async move { Ok(super::serve_kafka(w).await?) }
    });
    let w = world.clone();
    sim.host(REDIS, move || {
        let w = w.clone();
        async move { Ok(super::serve_redis(w).await?) }
    });
}
