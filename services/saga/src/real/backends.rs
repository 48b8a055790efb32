//! Connecting to the real backends from the environment. Every error names the dependency
//! and its address, so a component that cannot start says why.

use std::sync::Arc;

use anyhow::Context;
use saga_core::ports::{DecisionStore, EventBus};
use saga_kafka::{KafkaConfig, KafkaEventBus};
use saga_postgres::{PgConfig, PgPool};
use saga_redis::{RedisConfig, RedisDecisionStore};

/// Connects to PostgreSQL (`DATABASE_URL`, `DATABASE_*`) with bounded retries and applies
/// the migrations (idempotent; concurrent components are serialised by sqlx's lock).
///
/// # Errors
/// When `DATABASE_URL` is missing or PostgreSQL stays unreachable.
pub async fn connect_postgres() -> anyhow::Result<PgPool> {
    let config = PgConfig::from_env().context("configuring PostgreSQL")?;
    let pool = config.connect().await?;
    saga_postgres::migrate(&pool)
        .await
        .with_context(|| format!("migrating PostgreSQL at {}", config.target()))?;
    Ok(pool)
}

/// `saga migrate`: connect and apply the migrations, nothing else.
///
/// # Errors
/// As [`connect_postgres`].
pub async fn migrate_only() -> anyhow::Result<()> {
    let pool = connect_postgres().await?;
    pool.close().await;
    Ok(())
}

/// Connects to Kafka (`KAFKA_BOOTSTRAP_SERVERS`, `KAFKA_CONNECT_ATTEMPTS`, `KAFKA_*`) and
/// creates the topics if missing.
///
/// # Errors
/// When Kafka stays unreachable after the configured attempts.
pub async fn connect_bus() -> anyhow::Result<Arc<dyn EventBus>> {
    let config = KafkaConfig::from_env().context("configuring Kafka")?;
    Ok(Arc::new(KafkaEventBus::connect(config).await?))
}

/// Connects to Redis (`REDIS_URL`, `REDIS_*`).
///
/// # Errors
/// When Redis stays unreachable after the configured attempts.
pub async fn connect_decisions() -> anyhow::Result<Arc<dyn DecisionStore>> {
    let config = RedisConfig::from_env()?;
    let conn = config.connect().await?;
    Ok(Arc::new(RedisDecisionStore::new(conn, config.key_prefix)))
}
