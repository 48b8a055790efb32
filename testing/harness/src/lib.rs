//! What the harnesses that run the saga on the real stack share — the chaos runner, the
//! real-stack tests, the adapters' contract tests: the stack's addresses, throw-away
//! databases, listen ports that no other process is handed. Test tooling only: no service
//! depends on this crate.

mod endpoints;
mod free_port;
pub mod scratch;

pub use endpoints::{Endpoints, decision_prefix};
pub use free_port::free_port;
