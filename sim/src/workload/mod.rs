//! The workload: concurrent clients placing orders through the gateway over real HTTP on the
//! simulated network, some with an `Idempotency-Key` and retries after timeouts and 5xx, each
//! reading its order back once acknowledged. Its pace spreads the orders over the fault phase.

mod client;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::world::World;

/// How one seed's clients behave.
#[derive(Debug, Clone)]
pub struct Plan {
    pub orders: usize,
    pub clients: usize,
    /// Share of orders sent with an idempotency key (and retried).
    pub keyed: f64,
    /// Longest pause before each order.
    pub think: Duration,
}

impl Plan {
    /// The plan of `seed`: `orders` spread over about `span` of simulated time.
    pub fn new(seed: u64, orders: usize, span: Duration) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0c11_e475);
        let clients = rng.random_range(4..=10_usize);
        let per_client = orders.div_ceil(clients).max(1) as u32;
        Self {
            orders,
            clients,
            keyed: rng.random_range(0.4..0.9),
            think: (span * 8 / 5 / per_client).max(Duration::from_millis(20)),
        }
    }
}

/// The client host's software: runs every client to completion.
pub async fn run(world: Arc<World>, plan: Plan) -> turmoil::Result {
    let next = Rc::new(Cell::new(0_usize));
    let mut clients = tokio::task::JoinSet::new();
    for id in 0..plan.clients {
        let client = client::Client::new(world.clone(), id, &plan, next.clone());
        clients.spawn_local(client.run());
    }
    while clients.join_next().await.is_some() {}
    Ok(())
}
