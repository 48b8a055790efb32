//! The dead-letter index on the real stack: the DLQ topics copied into PostgreSQL from where
//! the last reader stopped (`saga_postgres::PgReads::index_letters`), so `saga dlq` and the
//! explorer list dead letters by page without reading a topic from its beginning.

use std::sync::Mutex;
use std::time::Duration;

use saga_core::Topic;
use saga_core::ports::PortError;
use saga_kafka::KafkaConfig;
use saga_postgres::{IndexedLetter, LetterRecord, PgReads};
use saga_runtime::dlq::{DeadLetter, Kept};
use tokio::time::Instant;

/// DLQ records read and indexed per round at most.
const ROUND: usize = 10_000;

/// Keeps the index caught up with the DLQ topics.
pub struct LetterIndex {
    pub reads: PgReads,
    kafka: KafkaConfig,
    /// When the last complete catch-up ended: within `settle` of it nothing is read again.
    caught_up: Mutex<Option<Instant>>,
    settle: Duration,
}

impl LetterIndex {
    /// An index read through `reads`, fed from the DLQ topics of `kafka`, read again at most
    /// every `settle` (every time for [`Self::catch_up_now`]).
    pub fn new(reads: PgReads, kafka: KafkaConfig, settle: Duration) -> Self {
        Self {
            reads,
            kafka,
            caught_up: Mutex::new(None),
            settle,
        }
    }

    /// Indexes what the DLQ topics gained since the last catch-up, unless that was within the
    /// settle interval; for at most `limit`, after which what was indexed stays and the rest
    /// waits for the next call. Returns whether the index reached the topics' ends.
    ///
    /// # Errors
    /// [`PortError`] when Kafka or PostgreSQL cannot be read or written.
    pub async fn catch_up(&self, limit: Duration) -> Result<bool, PortError> {
        let recent = self
            .caught_up
            .lock()
            .expect("index lock")
            .is_some_and(|at| at.elapsed() < self.settle);
        if recent {
            return Ok(true);
        }
        self.catch_up_now(limit).await
    }

    /// [`Self::catch_up`] whatever the settle interval says.
    ///
    /// # Errors
    /// As [`Self::catch_up`].
    pub async fn catch_up_now(&self, limit: Duration) -> Result<bool, PortError> {
        let deadline = Instant::now() + limit;
        loop {
            let from = self.reads.index_positions().await?;
            let left = deadline.saturating_duration_since(Instant::now());
            let topics = [Topic::OrdersDlq, Topic::PaymentsDlq];
            let read = saga_kafka::read_onwards(&self.kafka, &topics, &from, ROUND, left).await?;
            let records: Vec<LetterRecord> = read
                .records
                .into_iter()
                .map(|r| LetterRecord {
                    topic: r.topic,
                    partition: r.partition,
                    offset: r.offset,
                    payload: r.payload,
                    trace: r.trace,
                })
                .collect();
            if !records.is_empty() || read.next != from {
                self.reads.index_letters(&records, &read.next).await?;
            }
            if read.caught_up {
                *self.caught_up.lock().expect("index lock") = Some(Instant::now());
                return Ok(true);
            }
            if Instant::now() >= deadline {
                return Ok(false);
            }
        }
    }
}

/// The runtime's dead letter of an indexed one; `None` when its envelope is not a rejection.
pub fn dead_letter(indexed: IndexedLetter) -> Option<DeadLetter> {
    let kept = match indexed.on_topic {
        Some((topic, partition, offset)) => Kept::Topic {
            topic,
            partition,
            offset,
        },
        None => Kept::Table,
    };
    let mut letter = DeadLetter::from_envelope(indexed.envelope, kept)?;
    letter.action = indexed.action;
    Some(letter)
}
