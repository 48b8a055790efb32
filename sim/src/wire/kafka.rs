//! The simulated Kafka protocol. A connection is either a producer, or after `Join` one member of
//! one consumer group (closing it leaves the group), or a member's heartbeat connection: a
//! member whose heartbeats and requests stop for the session timeout, or whose polls stop for
//! the max poll interval, is expelled (`sim/src/infra/kafka.rs`).

use saga_core::ports::{Delivery, OutgoingMessage, ReplayMark};
use saga_core::{CorrelationId, EventId, Topic, TraceParent};
use serde::{Deserialize, Serialize};

use super::fields::base64_bytes;

#[derive(Debug, Serialize, Deserialize)]
pub enum KafkaRequest {
    Publish(Vec<MessageWire>),
    Join {
        group: String,
        topics: Vec<Topic>,
    },
    /// Long poll: answered with up to `max` records as soon as one is ready, or with none
    /// after `wait_ms` (a fetch, as Kafka clients prefetch).
    Poll {
        wait_ms: u64,
        max: usize,
    },
    Commit {
        topic: Topic,
        partition: u32,
        offset: u64,
    },
    /// A group member is alive (its client's background thread, while the loop is busy
    /// handling what it fetched). Answered `Done`, or `Rebalanced` once the member is gone.
    Heartbeat {
        group: String,
        member: u64,
    },
    Ping,
}

impl KafkaRequest {
    /// Whether the request changes durable state (only those can be ambiguous commits).
    pub fn is_write(&self) -> bool {
        matches!(self, Self::Publish(_) | Self::Commit { .. })
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub enum KafkaResponse {
    Published,
    /// The member id of the connection that joined (its heartbeats name it).
    Joined(u64),
    /// The next records, possibly none, and this member's lag.
    Records(Vec<DeliveryWire>, u64),
    Committed,
    /// Membership lost; the text says why.
    Rebalanced(String),
    Done,
    Error(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessageWire {
    pub topic: Topic,
    pub key: String,
    #[serde(with = "base64_bytes")]
    pub payload: Vec<u8>,
    pub correlation_id: Option<CorrelationId>,
    /// Absent from the encoding when `None`, so records that are not replays (all the
    /// simulation writes) keep the bytes, and the seeds their runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<ReplayWire>,
    /// The `traceparent` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceParent>,
}

impl From<OutgoingMessage> for MessageWire {
    fn from(m: OutgoingMessage) -> Self {
        Self {
            topic: m.topic,
            key: m.key,
            payload: m.payload,
            correlation_id: m.correlation_id,
            replay: m.replay.map(Into::into),
            trace: m.trace,
        }
    }
}

impl From<MessageWire> for OutgoingMessage {
    fn from(m: MessageWire) -> Self {
        Self {
            topic: m.topic,
            key: m.key,
            payload: m.payload,
            correlation_id: m.correlation_id,
            replay: m.replay.map(Into::into),
            trace: m.trace,
        }
    }
}

/// A [`ReplayMark`] on the wire (the `replay_of` and `replay_count` headers).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct ReplayWire {
    pub of: EventId,
    pub count: u32,
}

impl From<ReplayMark> for ReplayWire {
    fn from(m: ReplayMark) -> Self {
        Self {
            of: m.dead_letter,
            count: m.count,
        }
    }
}

impl From<ReplayWire> for ReplayMark {
    fn from(w: ReplayWire) -> Self {
        Self {
            dead_letter: w.of,
            count: w.count,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryWire {
    pub topic: Topic,
    pub partition: u32,
    pub offset: u64,
    pub key: Option<String>,
    #[serde(with = "base64_bytes")]
    pub payload: Vec<u8>,
    pub correlation_id: Option<CorrelationId>,
    /// Absent from the encoding when `None`, so records that are not replays (all the
    /// simulation writes) keep the bytes, and the seeds their runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<ReplayWire>,
    /// The `traceparent` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceParent>,
}

impl From<Delivery> for DeliveryWire {
    fn from(d: Delivery) -> Self {
        Self {
            topic: d.topic,
            partition: d.partition,
            offset: d.offset,
            key: d.key,
            payload: d.payload,
            correlation_id: d.correlation_id,
            replay: d.replay.map(Into::into),
            trace: d.trace,
        }
    }
}

impl From<DeliveryWire> for Delivery {
    fn from(d: DeliveryWire) -> Self {
        Self {
            topic: d.topic,
            partition: d.partition,
            offset: d.offset,
            key: d.key,
            payload: d.payload,
            correlation_id: d.correlation_id,
            replay: d.replay.map(Into::into),
            trace: d.trace,
        }
    }
}
