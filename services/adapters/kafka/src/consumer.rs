//! One consumer-group member: auto-commit and auto offset store off, so the group's position
//! moves only when the service commits a delivery it has finished with.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_trait::async_trait;
use futures::{FutureExt, StreamExt};
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer as _, ConsumerContext, Rebalance, StreamConsumer,
};
use rdkafka::error::KafkaResult;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::statistics::Statistics;
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use saga_core::CorrelationId;
use saga_core::Topic;
use saga_core::ports::{Consumer, Delivery, PortError, ReplayMark};
use tokio::task::JoinHandle;

use crate::BACKEND;
use crate::bus::CORRELATION_HEADER;
use crate::config::KafkaConfig;
use crate::error::port_error;
use crate::headers::{self, header};

/// Notices when the group takes this member's assignment away without a clean revoke
/// (session expiry, fencing): the member must re-subscribe. Also keeps the consumer lag
/// from librdkafka's periodic statistics.
#[derive(Default)]
pub(crate) struct MembershipWatch {
    lost: AtomicBool,
    /// Records behind the end of the assigned partitions, plus one (0 = not known yet).
    lag_plus_one: AtomicU64,
}

impl ClientContext for MembershipWatch {
    fn stats(&self, statistics: Statistics) {
        let lag: i64 = statistics
            .topics
            .values()
            .flat_map(|topic| topic.partitions.iter())
            .filter(|(id, _)| **id >= 0)
            .map(|(_, partition)| partition.consumer_lag.max(0))
            .sum();
        let lag = u64::try_from(lag).unwrap_or(0);
        self.lag_plus_one
            .store(lag.saturating_add(1), Ordering::Relaxed);
    }
}

impl ConsumerContext for MembershipWatch {
    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Error(e) => {
                tracing::warn!(error = %e, "consumer group rebalance failed");
                self.lost.store(true, Ordering::SeqCst);
            }
            Rebalance::Assign(tpl) => tracing::info!(partitions = tpl.count(), "assigned"),
            Rebalance::Revoke(tpl) => tracing::info!(partitions = tpl.count(), "revoked"),
        }
    }
}

/// A member of one consumer group.
pub(crate) struct KafkaConsumer {
    /// `None` only while dropping.
    inner: Option<Arc<StreamConsumer<MembershipWatch>>>,
    config: KafkaConfig,
    /// The commit sent and not yet awaited (`commit_pipelined`): at most one, so commits never
    /// queue up on the group coordinator's connection ahead of the member's heartbeats.
    in_flight: Option<JoinHandle<KafkaResult<()>>>,
}

impl Drop for KafkaConsumer {
    fn drop(&mut self) {
        // Closing leaves the group, which blocks until the coordinator answers (long when
        // Kafka is down): the consumer goes on a blocking thread, not this one. A commit
        // still running holds the other reference, on a blocking thread too.
        if let (Some(consumer), Ok(runtime)) =
            (self.inner.take(), tokio::runtime::Handle::try_current())
        {
            runtime.spawn_blocking(move || drop(consumer));
        }
    }
}

impl KafkaConsumer {
    pub(crate) fn subscribe(
        config: &KafkaConfig,
        group: &str,
        topics: &[Topic],
    ) -> Result<Self, PortError> {
        let consumer: StreamConsumer<MembershipWatch> = config
            .client()
            .set("group.id", config.group_name(group))
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("session.timeout.ms", "10000")
            .set("heartbeat.interval.ms", "1000")
            .set("enable.partition.eof", "false")
            .set("statistics.interval.ms", "5000")
            // Records fetched ahead of the handler, at most (librdkafka's default is 64 MB): a
            // consumer far behind, such as a new group on a long topic, holds no more than this.
            .set("queued.max.messages.kbytes", "16384")
            .create_with_context(MembershipWatch::default())
            .map_err(port_error)?;
        let names: Vec<String> = topics.iter().map(|t| config.topic_name(*t)).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        consumer.subscribe(&names).map_err(port_error)?;
        Ok(Self {
            inner: Some(Arc::new(consumer)),
            config: config.clone(),
            in_flight: None,
        })
    }

    /// Sends the commit of `deliveries` on a blocking thread (a synchronous commit blocks
    /// its thread until the coordinator answers) and keeps it as the one in flight. Returns
    /// the refusal to report for a partition no longer assigned to this member, if any: the
    /// partitions still ours are committed, the moved one's new owner redoes its records.
    fn start_commit(&mut self, deliveries: &[Delivery]) -> Result<Option<PortError>, PortError> {
        debug_assert!(self.in_flight.is_none(), "one commit in flight at a time");
        if deliveries.is_empty() {
            return Ok(None);
        }
        let (offsets, revoked) = self.offsets(deliveries)?;
        if offsets.count() > 0 {
            let consumer = Arc::clone(self.consumer());
            self.in_flight = Some(tokio::task::spawn_blocking(move || {
                consumer.commit(&offsets, CommitMode::Sync)
            }));
        }
        Ok(revoked.map(|partition| {
            PortError::Rebalanced(format!("{partition} is no longer assigned to this member"))
        }))
    }

    fn consumer(&self) -> &Arc<StreamConsumer<MembershipWatch>> {
        self.inner.as_ref().expect("taken only by drop")
    }

    fn delivery(&self, message: &BorrowedMessage<'_>) -> Result<Delivery, PortError> {
        let topic = self.config.parse_topic(message.topic()).ok_or_else(|| {
            PortError::rejected(BACKEND, format!("unexpected topic {}", message.topic()))
        })?;
        let correlation_id = header(message, CORRELATION_HEADER)
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(CorrelationId::parse);
        let replay = ReplayMark::from_headers(
            header(message, ReplayMark::OF_HEADER),
            header(message, ReplayMark::COUNT_HEADER),
        );
        Ok(Delivery {
            topic,
            partition: u32::try_from(message.partition()).unwrap_or(0),
            offset: u64::try_from(message.offset()).unwrap_or(0),
            key: message
                .key()
                .map(|k| String::from_utf8_lossy(k).into_owned()),
            payload: message.payload().unwrap_or_default().to_vec(),
            correlation_id,
            replay,
            trace: headers::trace(message),
        })
    }

    /// The offsets to commit: past the last of `deliveries` in each partition still assigned
    /// to this member; and the first partition that is not, if any.
    fn offsets(
        &self,
        deliveries: &[Delivery],
    ) -> Result<(TopicPartitionList, Option<String>), PortError> {
        let assigned = self.consumer().assignment().map_err(port_error)?;
        let mut next: BTreeMap<(String, i32), i64> = BTreeMap::new();
        let mut revoked = None;
        for delivery in deliveries {
            let topic = self.config.topic_name(delivery.topic);
            let partition = i32::try_from(delivery.partition)
                .map_err(|_| PortError::rejected(BACKEND, "partition out of range"))?;
            let owned = assigned
                .elements()
                .iter()
                .any(|e| e.topic() == topic && e.partition() == partition);
            if !owned {
                revoked.get_or_insert(format!("{topic}/{partition}"));
                continue;
            }
            let offset = i64::try_from(delivery.offset + 1)
                .map_err(|_| PortError::rejected(BACKEND, "offset out of range"))?;
            let entry = next.entry((topic, partition)).or_insert(offset);
            *entry = (*entry).max(offset);
        }
        let mut offsets = TopicPartitionList::new();
        for ((topic, partition), offset) in next {
            offsets
                .add_partition_offset(&topic, partition, Offset::Offset(offset))
                .map_err(port_error)?;
        }
        Ok((offsets, revoked))
    }
}

#[async_trait]
impl Consumer for KafkaConsumer {
    async fn next(&mut self) -> Result<Delivery, PortError> {
        if self.consumer().context().lost.swap(false, Ordering::SeqCst) {
            return Err(PortError::Rebalanced("partition assignment lost".into()));
        }
        // `recv` is cancel-safe: a message leaves librdkafka's queue only in the poll that
        // returns it.
        let message = self.consumer().recv().await.map_err(port_error)?;
        self.delivery(&message)
    }

    fn try_next(&mut self) -> Option<Result<Delivery, PortError>> {
        if self.consumer().context().lost.swap(false, Ordering::SeqCst) {
            return Some(Err(PortError::Rebalanced(
                "partition assignment lost".into(),
            )));
        }
        // One poll of the local queue: ready only when librdkafka has already fetched it.
        let message = self.consumer().stream().next().now_or_never()??;
        Some(message.map_err(port_error).and_then(|m| self.delivery(&m)))
    }

    async fn commit(&mut self, delivery: &Delivery) -> Result<(), PortError> {
        self.commit_batch(std::slice::from_ref(delivery)).await
    }

    async fn commit_batch(&mut self, deliveries: &[Delivery]) -> Result<(), PortError> {
        self.settle().await?;
        let revoked = self.start_commit(deliveries)?;
        self.settle().await?;
        revoked.map_or(Ok(()), Err)
    }

    /// Waits for the previous commit (only a refused partition lets this one go ahead: the
    /// loop keeps its membership then), starts this one and returns without waiting for it.
    async fn commit_pipelined(&mut self, deliveries: &[Delivery]) -> Result<(), PortError> {
        let previous = self.settle().await;
        if let Err(error) = &previous
            && !matches!(error, PortError::Rebalanced(_))
        {
            return previous;
        }
        let revoked = self.start_commit(deliveries)?;
        previous?;
        revoked.map_or(Ok(()), Err)
    }

    async fn settle(&mut self) -> Result<(), PortError> {
        let Some(commit) = self.in_flight.take() else {
            return Ok(());
        };
        // The caller stops waiting after the request timeout (the thread ends with the socket
        // timeout).
        let deadline = self.config.request_timeout;
        tokio::time::timeout(deadline, commit)
            .await
            .map_err(|_| PortError::timeout(BACKEND, deadline))?
            .map_err(|e| PortError::unavailable(BACKEND, e))?
            .map_err(port_error)
    }

    fn lag(&self) -> Option<u64> {
        let known = self
            .consumer()
            .context()
            .lag_plus_one
            .load(Ordering::Relaxed);
        known.checked_sub(1)
    }
}
