//! The explorer on the real stack: its [`SagaSource`] reads PostgreSQL, Kafka and Redis with the
//! same snapshot readers the chaos runner's checker uses, through the component environment
//! (`DATABASE_URL`, `KAFKA_*`, `REDIS_*`, `EXPLORER_*`).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use saga_core::ports::{PortError, SystemClock};
use saga_core::snapshot::SystemSnapshot;
use saga_core::topic::CONSUMER_GROUPS;
use saga_explorer::{ExplorerConfig, ExplorerDeps, SagaSource};
use saga_kafka::KafkaConfig;
use saga_postgres::PgPool;
use saga_redis::{RedisConfig, RedisDecisionStore};
use tokio::net::TcpListener;

use super::backends::connect_postgres;

/// Where the explorer listens unless `LISTEN_ADDR` says otherwise.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);

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
        })
    }
}

impl RealSource {
    /// Connects to the three backends from the environment.
    ///
    /// # Errors
    /// A dependency that is misconfigured or unreachable, named with its address.
    pub async fn from_env() -> anyhow::Result<Self> {
        let pool = connect_postgres().await?;
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

/// `saga explorer`: serves the explorer on `listen` until `shutdown`.
///
/// # Errors
/// A malformed `EXPLORER_*` setting, an unreachable backend, a port that cannot be bound.
pub async fn run_explorer(
    listen: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let config = ExplorerConfig::from_lookup(|name| std::env::var(name).ok())?;
    let deps = ExplorerDeps {
        source: Arc::new(RealSource::from_env().await?),
        clock: Arc::new(SystemClock),
    };
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("explorer: cannot listen on {listen}"))?;
    saga_explorer::run(deps, config, listener, shutdown)
        .await
        .context("explorer failed")
}
