//! The order saga's core: domain types, the event envelope, the ports every service depends
//! on, in-memory adapters with the same semantics as the real backends, and the invariant
//! checker shared by the simulation and the chaos runner.
//!
//! Nothing here performs I/O or depends on sqlx, rdkafka, redis, axum or turmoil.

pub mod checker;
pub mod domain;
pub mod event;
pub mod memory;
pub mod mutant;
pub mod ports;
pub mod topic;

pub use domain::{
    CorrelationId, EventId, IdempotencyKey, Item, Order, OrderId, OrderStatus, Owner,
    PaymentDecision,
};
pub use event::{Envelope, EventBody, EventType};
pub use topic::Topic;
