//! Connecting to the real backends from the environment. Every error names the dependency
//! and its address, so a component that cannot start says why.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use saga_core::ports::{DeadLetterStore, DecisionStore};
use saga_kafka::{KafkaConfig, KafkaEventBus};
use saga_postgres::{PgConfig, PgDeadLetters, PgDeliveryStore, PgOrderStore, PgPool};
use saga_redis::{RedisConfig, RedisDecisionStore};

/// A connected PostgreSQL whose schema this binary can run on, and the deadline of every
/// call on it.
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

/// Connects to PostgreSQL (`DATABASE_URL`, `DATABASE_*`) with bounded retries and checks that
/// every migration this binary embeds has been applied. Components do not migrate: `saga
/// migrate` does, once, before them, so that starting a component never changes the schema
/// under the others. A database ahead of the binary (a rollback) is accepted and logged.
///
/// # Errors
/// When `DATABASE_URL` is missing, PostgreSQL stays unreachable, or the schema lacks a
/// migration (the message names them and says to run `saga migrate`).
pub async fn connect_postgres() -> anyhow::Result<Postgres> {
    let (config, pool) = connect_pool().await?;
    let schema = saga_postgres::check_schema(&pool)
        .await
        .with_context(|| format!("PostgreSQL at {}", config.target()))?;
    if !schema.ahead.is_empty() {
        let ahead: Vec<String> = schema.ahead.iter().map(ToString::to_string).collect();
        tracing::info!(
            target = %config.target(),
            ahead = %ahead.join(", "),
            "the database has migrations newer than this binary; running on it (they are \
             additive by the expand/contract rule)"
        );
    }
    Ok(Postgres {
        pool,
        deadline: config.call_timeout,
    })
}

async fn connect_pool() -> anyhow::Result<(PgConfig, PgPool)> {
    let config = PgConfig::from_env().context("configuring PostgreSQL")?;
    let pool = config.connect().await?;
    Ok((config, pool))
}

/// `saga migrate`: connect and apply the migrations (idempotent; concurrent runs are
/// serialised by sqlx's lock), nothing else.
///
/// # Errors
/// When `DATABASE_URL` is missing, PostgreSQL stays unreachable or a migration fails.
pub async fn migrate_only() -> anyhow::Result<()> {
    let (config, pool) = connect_pool().await?;
    let migrated = saga_postgres::migrate(&pool)
        .await
        .with_context(|| format!("migrating PostgreSQL at {}", config.target()));
    pool.close().await;
    migrated
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
