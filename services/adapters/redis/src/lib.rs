//! Redis adapter: the payment decision store (one atomic round trip that stores a proposal
//! if none exists and returns the winner), a reconnecting connection, and the checker's
//! snapshot reader, and deleting a run's keys by prefix. No redis type crosses a port: errors become `PortError`.

mod config;
mod decision_store;
mod keys;

pub use config::{ConnectError, RedisConfig};
pub use decision_store::RedisDecisionStore;
pub use keys::delete_keys_with_prefix;

/// The backend name every error of this crate carries.
pub const BACKEND: &str = "Redis";
