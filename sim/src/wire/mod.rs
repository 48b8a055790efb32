//! The request/response protocol between the sim adapters and the simulated backends:
//! length-prefixed JSON frames, one request answered by one response, per connection.

mod fields;
mod frame;
pub mod kafka;
pub mod postgres;
pub mod redis;

pub use frame::Framed;

/// Where each simulated backend listens.
pub const POSTGRES_PORT: u16 = 5432;
pub const KAFKA_PORT: u16 = 9092;
pub const REDIS_PORT: u16 = 6379;
