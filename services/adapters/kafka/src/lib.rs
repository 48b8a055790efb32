//! Apache Kafka adapter (rdkafka over a bundled librdkafka): an idempotent `acks=all`
//! producer that returns only after every delivery report, manual-commit consumer groups,
//! idempotent topic creation with bounded start-up retries, and the checker's snapshot
//! reader. No rdkafka type crosses a port: errors become `PortError`.

mod admin;
mod bus;
mod config;
mod consumer;
mod error;
mod headers;
mod reads;
mod replication;
mod security;
mod snapshot;

pub use admin::{
    PartitionFacts, TopicStorage, delete_topics_with_prefix, describe_partitions, ensure_topics,
    offsets_retention, topic_storage,
};
pub use bus::KafkaEventBus;
pub use config::{ConnectError, KafkaConfig};
pub use reads::{Continued, commit_at_end, read_onwards, read_positions, records_since};
pub use replication::{Replication, Required, TopicFacts};
pub use security::{Protocol, Sasl, Security};
pub use snapshot::read_snapshot;

/// The backend name every error of this crate carries.
pub const BACKEND: &str = "Kafka";
