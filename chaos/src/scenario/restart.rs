//! Restart of a backend server itself (not just its proxy): PostgreSQL, Redis or Kafka
//! stopped under load and started again after a few seconds, through `scripts/stack`. Shows
//! that durable state survives and every client reconnects to the new server process.

use super::catalog::Scenario;
use super::plan::Plan;
use crate::stack::Backend;

/// `restart-<backend>` for each backend.
pub fn scenarios() -> Vec<Scenario> {
    Backend::ALL
        .into_iter()
        .map(|backend| {
            Scenario::new(
                format!("restart-{backend}"),
                format!("{backend}: the server stopped under load, started 3–6 s later"),
                move |plan: &mut Plan| {
                    let window = plan.window(3_000, 6_000);
                    plan.restart_backend(backend, window);
                },
            )
            .controlling_backends()
        })
        .collect()
}
