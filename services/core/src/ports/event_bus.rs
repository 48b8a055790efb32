//! The event bus (Kafka): durable publish, and consumer groups with manual commit.

use async_trait::async_trait;

use super::PortError;
use crate::domain::{CorrelationId, EventId, TraceParent};
use crate::topic::Topic;

/// Kafka's default producer limit on one record (`message.max.bytes`).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 1_000_000;

/// A record to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub topic: Topic,
    /// Partitioning key: the order id, so one order's events stay in order.
    pub key: String,
    pub payload: Vec<u8>,
    /// Copied into the record's `correlation_id` header.
    pub correlation_id: Option<CorrelationId>,
    /// Set when an operator re-publishes a dead letter's original; copied into the record's
    /// `replay_of` and `replay_count` headers.
    pub replay: Option<ReplayMark>,
    /// Copied into the record's `traceparent` header (W3C Trace Context).
    pub trace: Option<TraceParent>,
}

/// What marks a record re-published from a DLQ (`saga dlq replay`, the explorer's Replay): the
/// dead letter it came from and how many times its original has now been replayed. A consumer
/// that rejects the record again writes this count into the new rejection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayMark {
    /// The `EVENT_REJECTED` envelope's event id.
    pub dead_letter: EventId,
    pub count: u32,
}

impl ReplayMark {
    /// The header naming the dead letter a replayed record came from.
    pub const OF_HEADER: &'static str = "replay_of";
    /// The header counting how often the original has been replayed (1 on the first replay).
    pub const COUNT_HEADER: &'static str = "replay_count";

    /// The mark read back from its two header values; `None` unless both are well formed.
    pub fn from_headers(of: Option<&[u8]>, count: Option<&[u8]>) -> Option<Self> {
        let of = std::str::from_utf8(of?).ok()?.parse().ok()?;
        let count = std::str::from_utf8(count?).ok()?.parse().ok()?;
        Some(Self {
            dead_letter: of,
            count,
        })
    }
}

/// A record handed to a consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub topic: Topic,
    pub partition: u32,
    pub offset: u64,
    pub key: Option<String>,
    pub payload: Vec<u8>,
    /// The `correlation_id` header, when present and well formed.
    pub correlation_id: Option<CorrelationId>,
    /// The `replay_of` and `replay_count` headers, when present and well formed.
    pub replay: Option<ReplayMark>,
    /// The `traceparent` header, when present and well formed.
    pub trace: Option<TraceParent>,
}

/// Publishing and subscribing.
#[async_trait]
pub trait EventBus: Send + Sync + 'static {
    /// Appends every message to its topic, partitioned by key.
    ///
    /// Contract: returns `Ok` only once the broker has durably acknowledged every message;
    /// messages with the same key land in the same partition in the order given.
    ///
    /// # Errors
    /// [`PortError`] when any message was not acknowledged; some may have been appended
    /// (at-least-once: callers retry and consumers deduplicate).
    async fn publish(&self, messages: Vec<OutgoingMessage>) -> Result<(), PortError>;

    /// Joins consumer group `group` on `topics`.
    ///
    /// Contract: each partition is delivered to one member of the group at a time, in offset
    /// order, starting after the group's last committed offset (or at the beginning); every
    /// delivery not committed is delivered again after the member leaves, restarts or the
    /// group rebalances.
    ///
    /// # Errors
    /// [`PortError`] when the broker is unreachable.
    async fn subscribe(
        &self,
        group: &str,
        topics: &[Topic],
    ) -> Result<Box<dyn Consumer>, PortError>;

    /// The largest record `publish` accepts, in bytes (Kafka's producer default: 1,000,000).
    /// A larger one fails with a permanent [`PortError::Rejected`]: the consumer loop sizes
    /// its rejections to fit under it.
    fn max_message_bytes(&self) -> usize {
        DEFAULT_MAX_MESSAGE_BYTES
    }

    /// Succeeds when the broker answers a metadata request.
    ///
    /// # Errors
    /// [`PortError`] naming why it did not.
    async fn ping(&self) -> Result<(), PortError>;
}

/// One member of a consumer group. Dropping it leaves the group.
#[async_trait]
pub trait Consumer: Send {
    /// Waits for the next delivery. Cancel-safe: dropping the future loses nothing.
    ///
    /// # Errors
    /// [`PortError::Rebalanced`] when membership was lost (re-subscribe), or another
    /// [`PortError`] when the broker is unreachable.
    async fn next(&mut self) -> Result<Delivery, PortError>;

    /// Commits the group's position past `delivery` in its partition (and so past every
    /// earlier delivery of that partition).
    ///
    /// Contract: after `Ok`, a new member of the group never receives `delivery` or anything
    /// before it in that partition again.
    ///
    /// # Errors
    /// [`PortError::Rebalanced`] when the partition is no longer assigned to this member;
    /// the delivery will be redelivered to its new owner.
    async fn commit(&mut self, delivery: &Delivery) -> Result<(), PortError>;

    /// A delivery that is ready without waiting (already fetched), if any: how a worker
    /// takes a batch after [`Consumer::next`] returned its first record.
    ///
    /// Contract: `None` when nothing is ready locally (the default, for adapters that cannot
    /// tell cheaply); a returned delivery counts exactly as one from `next`, in the same order.
    ///
    /// # Errors
    /// As [`Consumer::next`].
    fn try_next(&mut self) -> Option<Result<Delivery, PortError>> {
        None
    }

    /// Commits past every one of `deliveries` (at most one per partition: the last handled)
    /// in one request where the adapter can.
    ///
    /// Contract: after `Ok`, as [`Consumer::commit`] for each. After an error some may be
    /// committed and some not; whatever is not is redelivered.
    ///
    /// # Errors
    /// As [`Consumer::commit`].
    async fn commit_batch(&mut self, deliveries: &[Delivery]) -> Result<(), PortError> {
        for delivery in deliveries {
            self.commit(delivery).await?;
        }
        Ok(())
    }

    /// Commits like [`Consumer::commit_batch`], but may return before the broker answers, so
    /// the caller handles its next batch during the round trip. At most one such commit is in
    /// flight per member: a call first waits for the previous one.
    ///
    /// Contract: after `Ok`, the previous pipelined commit is durable (as after
    /// `commit_batch`'s `Ok`), and this one is durable once the next call or
    /// [`Consumer::settle`] returns `Ok`. A pipelined commit that fails, or has not landed when
    /// the member is dropped, leaves its deliveries to be redelivered (at-least-once, as after
    /// any failed commit). The default commits synchronously, which keeps the contract.
    ///
    /// # Errors
    /// As [`Consumer::commit`], for this commit or the previous one.
    async fn commit_pipelined(&mut self, deliveries: &[Delivery]) -> Result<(), PortError> {
        self.commit_batch(deliveries).await
    }

    /// Waits for the pipelined commit in flight, if any (how a member that stops makes its
    /// last commit durable).
    ///
    /// # Errors
    /// As [`Consumer::commit`].
    async fn settle(&mut self) -> Result<(), PortError> {
        Ok(())
    }

    /// Records not yet consumed by this member across its partitions (consumer lag).
    fn lag(&self) -> Option<u64> {
        None
    }
}
