//! Reading a deployment's whole durable state on the real stack, directly (never through
//! Toxiproxy): its PostgreSQL database, its payment decisions in Redis, and every topic and
//! consumer group under its prefix read to the end. What the checker judges.

use std::time::Duration;

use saga_core::ports::{DeadLetterLedger, PortError};
use saga_core::snapshot::{Acknowledged, SystemSnapshot};
use saga_kafka::KafkaConfig;
use saga_postgres::{PgConfig, PgDeadLetterLedger};
use saga_redis::RedisDecisionStore;

use crate::Endpoints;

/// One backend could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{backend}: {reason}")]
pub struct Unreadable {
    pub backend: &'static str,
    pub reason: String,
}

impl Unreadable {
    fn of(backend: &'static str) -> impl Fn(&dyn std::fmt::Display) -> Self {
        move |reason| Self {
            backend,
            reason: reason.to_string(),
        }
    }
}

/// Where one deployment keeps its state.
#[derive(Debug, Clone)]
pub struct DeploymentState<'a> {
    pub endpoints: &'a Endpoints,
    /// Its database, direct.
    pub database_url: &'a str,
    /// The prefix of its topics, consumer groups and Redis keys.
    pub prefix: &'a str,
}

impl DeploymentState<'_> {
    /// Kafka settings for direct reads of this deployment's topics.
    pub fn kafka(&self) -> KafkaConfig {
        let mut config = self.endpoints.kafka_config();
        config.prefix = self.prefix.to_owned();
        config
    }

    /// The deployment's state, with `acknowledged` as what its clients were told. One attempt
    /// per backend: callers that wait for a restarting backend poll.
    ///
    /// # Errors
    /// [`Unreadable`] naming the first backend that could not be read.
    pub async fn read(&self, acknowledged: &[Acknowledged]) -> Result<SystemSnapshot, Unreadable> {
        let mut pg = PgConfig::new(self.database_url);
        pg.connect_attempts = 1;
        let pool = pg
            .connect()
            .await
            .map_err(|e| Unreadable::of("PostgreSQL")(&e))?;
        let read = saga_postgres::read_snapshot(&pool).await;
        // The ledger before Kafka: a replay is recorded after its publish, so a later read of
        // the topics holds the copy of every replay read here.
        let ledger = PgDeadLetterLedger::new(pool.clone(), Duration::from_secs(10));
        let actions = ledger.actions().await;
        pool.close().await;
        let pg = read.map_err(|e: PortError| Unreadable::of("PostgreSQL")(&e))?;
        let dead_letter_actions = actions.map_err(|e| Unreadable::of("PostgreSQL")(&e))?;
        let decisions = self
            .decisions()
            .await?
            .snapshot()
            .await
            .map_err(|e| Unreadable::of("Redis")(&e))?;
        let groups: Vec<&str> = saga_core::topic::CONSUMER_GROUPS
            .iter()
            .map(|(group, _)| *group)
            .collect();
        let bus = saga_kafka::read_snapshot(&self.kafka(), &groups)
            .await
            .map_err(|e| Unreadable::of("Kafka")(&e))?;
        Ok(SystemSnapshot {
            acknowledged: acknowledged.to_vec(),
            store: pg.store,
            decisions,
            deliveries: pg.deliveries,
            bus,
            dead_letters: pg.dead_letters,
            dead_letter_actions,
            interference: Default::default(),
        })
    }

    /// The deployment's decision store in Redis.
    ///
    /// # Errors
    /// [`Unreadable`] when Redis cannot be reached.
    pub async fn decisions(&self) -> Result<RedisDecisionStore, Unreadable> {
        let mut redis = self.endpoints.redis_config();
        redis.connect_attempts = 1;
        let conn = redis
            .connect()
            .await
            .map_err(|e| Unreadable::of("Redis")(&e))?;
        Ok(RedisDecisionStore::new(
            conn,
            crate::decision_prefix(self.prefix),
        ))
    }
}
