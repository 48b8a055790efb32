//! Redis adapter: the payment decision store (one atomic round trip that stores a proposal
//! if none exists and returns the winner), a reconnecting connection, and the checker's
//! snapshot reader. No redis type crosses a port: errors become `PortError`.

mod config;
mod decision_store;

pub use config::{ConnectError, RedisConfig};
pub use decision_store::RedisDecisionStore;

/// The backend name every error of this crate carries.
pub const BACKEND: &str = "Redis";
