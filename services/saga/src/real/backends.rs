//! Connecting to the real backends from the environment. Every error names the dependency
//! and its address, so a component that cannot start says why.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use saga_core::ports::{DeadLetterStore, DecisionStore};
use saga_kafka::{KafkaConfig, KafkaEventBus};
use saga_postgres::{PgConfig, PgDeadLetters, PgDeliveryStore, PgOrderStore, PgPool};
use saga_redis::{RedisConfig, RedisDecisionStore};

/// A connected, migrated PostgreSQL and the deadline of every call on it.
#[derive(Debug, Clone)]
pub struct Postgres {
    pub pool: PgPool,
    /// `DATABASE_CALL_TIMEOUT_SECONDS`.
    pub deadline: Duration,
}

impl Postgres {
    pub fn order_store(&self) -> Arc<PgOrderStore> {
        Arc::new(PgOrderStore::with_deadline(
            self.pool.clone(),
            self.deadline,
        ))
    }

    pub fn delivery_store(&self) -> Arc<PgDeliveryStore> {
        Arc::new(PgDeliveryStore::with_deadline(
            self.pool.clone(),
            self.deadline,
        ))
    }

    pub fn dead_letters(&self) -> Arc<dyn DeadLetterStore> {
        Arc::new(PgDeadLetters::new(self.pool.clone(), self.deadline))
    }
}

/// Connects to PostgreSQL (`DATABASE_URL`, `DATABASE_*`) with bounded retries and applies
/// the migrations (idempotent; concurrent components are serialised by sqlx's lock).
///
/// # Errors
/// When `DATABASE_URL` is missing or PostgreSQL stays unreachable.
pub async fn connect_postgres() -> anyhow::Result<Postgres> {
    let config = PgConfig::from_env().context("configuring PostgreSQL")?;
    let pool = config.connect().await?;
    saga_postgres::migrate(&pool)
        .await
        .with_context(|| format!("migrating PostgreSQL at {}", config.target()))?;
    Ok(Postgres {
        pool,
        deadline: config.call_timeout,
    })
}

/// `saga migrate`: connect and apply the migrations, nothing else.
///
/// # Errors
/// As [`connect_postgres`].
pub async fn migrate_only() -> anyhow::Result<()> {
    connect_postgres().await?.pool.close().await;
    Ok(())
}

/// Connects to Kafka (`KAFKA_BOOTSTRAP_SERVERS`, `KAFKA_CONNECT_ATTEMPTS`, `KAFKA_*`) and
/// creates the topics if missing.
///
/// # Errors
/// When Kafka stays unreachable after the configured attempts.
pub async fn connect_bus() -> anyhow::Result<Arc<KafkaEventBus>> {
    let config = KafkaConfig::from_env().context("configuring Kafka")?;
    Ok(Arc::new(KafkaEventBus::connect(config).await?))
}

/// Connects to Redis (`REDIS_URL`, `REDIS_*`), returning the store and its decisions' TTL.
///
/// # Errors
/// When Redis stays unreachable after the configured attempts.
pub async fn connect_decisions() -> anyhow::Result<(Arc<dyn DecisionStore>, Duration)> {
    let config = RedisConfig::from_env()?;
    let store = RedisDecisionStore::connect(&config).await?;
    Ok((Arc::new(store), config.decision_ttl))
}
