//! The explorer's view of the real stack: a [`SagaSource`] reading PostgreSQL, Kafka and Redis
//! with the same snapshot readers the chaos runner's checker uses, configured by the component
//! environment (`DATABASE_URL`, `KAFKA_*`, `REDIS_*`).

use anyhow::Context;
use async_trait::async_trait;
use saga_core::ports::PortError;
use saga_core::snapshot::SystemSnapshot;
use saga_core::topic::CONSUMER_GROUPS;
use saga_explorer::SagaSource;
use saga_kafka::KafkaConfig;
use saga_postgres::PgPool;
use saga_redis::{RedisConfig, RedisDecisionStore};

/// The real backends' state, read the checker's way.
pub struct RealSource {
    pub pool: PgPool,
    pub kafka: KafkaConfig,
    pub decisions: RedisDecisionStore,
}

#[async_trait]
impl SagaSource for RealSource {
    async fn snapshot(&self) -> Result<SystemSnapshot, PortError> {
        let pg = saga_postgres::read_snapshot(&self.pool).await?;
        let decisions = self.decisions.snapshot().await?;
        let groups: Vec<&str> = CONSUMER_GROUPS.iter().map(|(group, _)| *group).collect();
        let bus = saga_kafka::read_snapshot(&self.kafka, &groups).await?;
        Ok(SystemSnapshot {
            acknowledged: Vec::new(),
            store: pg.store,
            decisions,
            deliveries: pg.deliveries,
            bus,
            dead_letters: pg.dead_letters,
            interference: Default::default(),
        })
    }
}

impl RealSource {
    /// Connects to Kafka and Redis from the environment, beside `pool`.
    ///
    /// # Errors
    /// A dependency that is misconfigured or unreachable, named with its address.
    pub async fn connect(pool: PgPool) -> anyhow::Result<Self> {
        let kafka = KafkaConfig::from_env().context("configuring Kafka")?;
        let redis = RedisConfig::from_env()?;
        let conn = redis.connect().await?;
        let decisions = RedisDecisionStore::new(conn, redis.key_prefix);
        Ok(Self {
            pool,
            kafka,
            decisions,
        })
    }
}
