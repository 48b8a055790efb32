//! The saga on real backends: each component wired to PostgreSQL, Kafka and Redis from the
//! environment (DESIGN §2), as its own process or all in one. What `saga <component>`,
//! `saga all`, `saga explorer` and `saga migrate` run.

mod backends;
mod components;
mod explorer;

pub use backends::{connect_bus, connect_decisions, connect_postgres, migrate_only};
pub use components::{Component, run_all, run_component};
pub use explorer::{DEFAULT_LISTEN as EXPLORER_LISTEN, RealSource, run_explorer};
