//! The simulated backends: PostgreSQL, Kafka and Redis as turmoil hosts serving the core's
//! memory models. The models live in [`crate::world::Durable`], outside the host closures, so
//! they survive a crash; everything volatile (sessions, open claims, group memberships) lives in
//! the host and is released when the session ends or the host restarts, as the real ones do.

mod hosts;
mod kafka;
mod liveness;
mod mutated;
mod postgres;
mod redis;
pub mod retention;
mod server;

pub use hosts::register;
pub use kafka::{MESSAGE_MAX_BYTES, serve as serve_kafka};
pub use postgres::serve as serve_postgres;
pub use redis::serve as serve_redis;
