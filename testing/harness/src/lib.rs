//! What the harnesses that run the saga on the real stack share — the chaos runner, the
//! real-stack tests, the adapters' contract tests: the stack's addresses, throw-away
//! databases, listen ports that no other process is handed, what is left of ended processes,
//! a deployment's whole state for the checker, a headless browser. Test tooling only: no service
//! depends on this crate.

mod abandoned;
pub mod browser;
mod endpoints;
mod free_port;
pub mod scratch;
mod snapshot;

pub use abandoned::abandoned;
pub use endpoints::{Endpoints, decision_prefix};
pub use free_port::free_port;
pub use snapshot::{DeploymentState, Unreadable};
