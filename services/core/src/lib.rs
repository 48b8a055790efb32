//! The order saga's core: domain types, the event envelope, the ports every service depends
//! on, the snapshot of the saga's durable state that adapters produce and the invariant
//! checker (`services/checker`) reads, and the redaction of connection URLs in configs.
//!
//! Nothing here performs I/O or depends on sqlx, rdkafka, redis, axum or turmoil.

pub mod domain;
pub mod event;
pub mod fnv;
pub mod mutant;
pub mod ports;
pub mod redact;
pub mod redelivery;
pub mod secret;
pub mod snapshot;
pub mod topic;

pub use domain::{
    CorrelationId, EventId, IdempotencyKey, Item, Order, OrderId, OrderStatus, Owner,
    PaymentDecision, TraceParent,
};
pub use event::{Envelope, EventBody, EventType};
pub use topic::Topic;
