//! What the harnesses that run the saga on the real stack share — the chaos runner, the
//! real-stack tests, the adapters' contract tests: the stack's addresses, throw-away
//! databases (and a schema a release ahead of the binary), listen ports that no other process
//! is handed, what is left of ended processes, a deployment's whole state for the checker, a
//! proxy that black-holes a link, a headless browser. Test tooling only: no service depends on this crate.

mod abandoned;
mod black_hole;
pub mod browser;
mod endpoints;
mod free_port;
mod kafka_grants;
pub mod logins;
pub mod newer_release;
pub mod scratch;
mod snapshot;

pub use abandoned::abandoned;
pub use black_hole::BlackHole;
pub use endpoints::{DEV_API_KEY, Endpoints, decision_prefix, dev_api_keys};
pub use free_port::free_port;
pub use snapshot::{DeploymentState, Unreadable};
