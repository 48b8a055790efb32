//! Dead letters on the real stack, for `saga dlq`: the DLQ topics read to their end with
//! the checker's Kafka snapshot reader, the dead-letter table and the action ledger in
//! PostgreSQL, and the Kafka producer a replay publishes with.

use std::sync::Arc;

use anyhow::Context;
use saga_core::ports::{DeadLetterLedger, DeadLetterStore, EventBus};
use saga_kafka::{KafkaConfig, KafkaEventBus};
use saga_postgres::{PgDeadLetterLedger, PgDeadLetters};
use saga_runtime::dlq::{self, DeadLetter};

use super::backends::connect_postgres;

/// The real backends `saga dlq` reads and acts on.
pub struct RealDeadLetters {
    pub kafka: KafkaConfig,
    pub bus: Arc<dyn EventBus>,
    pub table: Arc<dyn DeadLetterStore>,
    pub ledger: Arc<dyn DeadLetterLedger>,
}

impl RealDeadLetters {
    /// Connects to PostgreSQL (checking its schema was migrated) and Kafka from the environment.
    ///
    /// # Errors
    /// A dependency that is misconfigured or unreachable, named with its address.
    pub async fn connect() -> anyhow::Result<Self> {
        let pg = connect_postgres().await?;
        let kafka = KafkaConfig::from_env().context("configuring Kafka")?;
        let bus = KafkaEventBus::connect(kafka.clone()).await?;
        Ok(Self {
            kafka,
            bus: Arc::new(bus),
            table: Arc::new(PgDeadLetters::new(pg.pool.clone(), pg.deadline)),
            ledger: Arc::new(PgDeadLetterLedger::new(pg.pool, pg.deadline)),
        })
    }

    /// Every dead letter with its action, and how many DLQ records were not rejections.
    ///
    /// # Errors
    /// Kafka or PostgreSQL unreadable.
    pub async fn letters(&self) -> anyhow::Result<(Vec<DeadLetter>, usize)> {
        let bus = saga_kafka::read_snapshot(&self.kafka, &[])
            .await
            .context("reading the DLQ topics")?;
        let kept = self.table.list().await.context("reading dead_letters")?;
        let actions = self
            .ledger
            .actions()
            .await
            .context("reading dead_letter_actions")?;
        Ok(dlq::gather(&bus.records, &kept, &actions))
    }
}
