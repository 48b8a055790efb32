//! The stack under test: where PostgreSQL, Kafka, Redis and Toxiproxy are (direct and
//! proxied), and — for a native stack — stopping and starting the backends themselves through
//! `scripts/stack`. The default is a private native stack on ports of its own.

mod backend;
mod disk;
mod handle;
pub mod nodes;
mod script;

pub use backend::Backend;
pub use disk::DiskWatch;
pub use handle::{Stack, StackMode};
pub use saga_harness::Endpoints;
pub use script::{StackError, StackScript};
