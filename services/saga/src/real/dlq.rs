//! Dead letters on the real stack, for `saga dlq`: listed by page from the dead-letter index
//! (the DLQ topics indexed in PostgreSQL from where the last reader stopped, with the
//! dead-letter table and the action ledger), and the Kafka producer a replay publishes with.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use saga_core::EventId;
use saga_core::ports::{DeadLetterLedger, EventBus};
use saga_kafka::{KafkaConfig, KafkaEventBus};
use saga_postgres::{LetterQuery, PgDeadLetterLedger, PgReads};
use saga_runtime::dlq::{DeadLetter, Filter};
use time::OffsetDateTime;

use super::backends::connect_postgres;
use super::reader::letters::{LetterIndex, dead_letter};

/// How long `saga dlq` waits for the index to catch up with the DLQ topics before listing.
const INDEX_WAIT: Duration = Duration::from_secs(60);

/// The real backends `saga dlq` reads and acts on.
pub struct RealDeadLetters {
    pub bus: Arc<dyn EventBus>,
    pub ledger: Arc<dyn DeadLetterLedger>,
    index: LetterIndex,
}

/// One page of letters, the groups they belong to, and where the next page starts.
pub struct LetterPage {
    pub letters: Vec<DeadLetter>,
    pub groups: Vec<saga_postgres::LetterGroup>,
    pub next: Option<(OffsetDateTime, EventId)>,
    /// DLQ records that are not rejections.
    pub unreadable: u64,
}

impl RealDeadLetters {
    /// Connects to PostgreSQL (checking its schema was migrated) and Kafka from the
    /// environment, and brings the dead-letter index up to the DLQ topics' ends.
    ///
    /// # Errors
    /// A dependency that is misconfigured or unreachable, named with its address.
    pub async fn connect() -> anyhow::Result<Self> {
        let pg = connect_postgres().await?;
        let kafka = KafkaConfig::from_env().context("configuring Kafka")?;
        let bus = KafkaEventBus::connect(kafka.clone()).await?;
        let reads = PgReads::new(pg.pool.clone(), pg.deadline);
        let index = LetterIndex::new(reads, kafka, Duration::ZERO);
        let caught_up = index
            .catch_up_now(INDEX_WAIT)
            .await
            .context("indexing the DLQ topics")?;
        if !caught_up {
            eprintln!(
                "note: the DLQ topics are not indexed to their end yet; run again for the rest"
            );
        }
        Ok(Self {
            bus: super::environment::traced(Arc::new(bus) as Arc<dyn EventBus>, |b| {
                Arc::new(saga_runtime::otel::TracedBus(b))
            }),
            ledger: Arc::new(PgDeadLetterLedger::new(pg.pool, pg.deadline)),
            index,
        })
    }

    /// At most `limit` letters `filter` admits after `after`, oldest first.
    ///
    /// # Errors
    /// PostgreSQL unreadable.
    pub async fn page(
        &self,
        filter: &Filter,
        after: Option<(OffsetDateTime, EventId)>,
        limit: u32,
    ) -> anyhow::Result<LetterPage> {
        let reads = &self.index.reads;
        let query = LetterQuery {
            reason: filter.reason,
            topic: filter.topic,
            closed_too: filter.closed_too,
            after,
            limit: limit.saturating_add(1),
        };
        let found = reads
            .letters(&query)
            .await
            .context("reading dead letters")?;
        let mut letters: Vec<DeadLetter> = found.into_iter().filter_map(dead_letter).collect();
        let more = letters.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        letters.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(LetterPage {
            next: if more {
                letters.last().map(|l| (l.at, l.id))
            } else {
                None
            },
            letters,
            groups: reads
                .letter_groups(&query)
                .await
                .context("counting dead letters")?,
            unreadable: reads
                .unreadable_letters()
                .await
                .context("reading the index")?,
        })
    }

    /// Every letter `filter` admits, page by page.
    ///
    /// # Errors
    /// PostgreSQL unreadable.
    pub async fn all(&self, filter: &Filter) -> anyhow::Result<Vec<DeadLetter>> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self.page(filter, after, 1_000).await?;
            all.extend(page.letters);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// One letter, open or not.
    ///
    /// # Errors
    /// PostgreSQL unreadable.
    pub async fn letter(&self, id: EventId) -> anyhow::Result<Option<DeadLetter>> {
        let found = self
            .index
            .reads
            .letter(id)
            .await
            .context("reading a dead letter")?;
        Ok(found.and_then(dead_letter))
    }
}
