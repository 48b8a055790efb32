//! One scenario's isolated saga: a fresh database, its own Kafka topic and group prefix and
//! Redis key prefix, so scenarios (and other users of the stack) never see each other's
//! state; the environment its components get (proxied addresses); clean-up afterwards.

use saga_harness::DeploymentState;
use saga_postgres::PgConfig;
use saga_redis::RedisConfig;

use crate::error::ChaosError;
use crate::stack::Endpoints;

/// The isolated resources of one scenario.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub endpoints: Endpoints,
    /// The scratch database, direct (for the checker's reads).
    pub database_direct: String,
    /// Prefix of topics, consumer groups and Redis keys.
    pub prefix: String,
}

impl Deployment {
    /// Creates a migrated scratch database; `tag` makes the prefix unique and readable.
    ///
    /// # Errors
    /// When PostgreSQL refuses.
    pub async fn create(endpoints: &Endpoints, tag: &str) -> Result<Self, ChaosError> {
        let database_direct = saga_harness::scratch::create_database(&endpoints.database_direct)
            .await
            .map_err(|e| ChaosError::backend("PostgreSQL", e))?;
        Ok(Self {
            endpoints: endpoints.clone(),
            database_direct,
            prefix: format!("chaos-{}-{tag}-", std::process::id()),
        })
    }

    pub fn database_name(&self) -> &str {
        self.database_direct.rsplit('/').next().unwrap_or_default()
    }

    pub fn decision_prefix(&self) -> String {
        saga_harness::decision_prefix(&self.prefix)
    }

    /// Where this deployment's state is, for the runner's own direct reads.
    pub fn state(&self) -> DeploymentState<'_> {
        DeploymentState {
            endpoints: &self.endpoints,
            database_url: &self.database_direct,
            prefix: &self.prefix,
        }
    }

    /// What every component is started with: the proxied addresses of this deployment's
    /// resources. Connect attempts are generous because a component may be (re)started in
    /// the middle of an outage.
    pub fn component_env(&self) -> Vec<(String, String)> {
        self.endpoints
            .component_env(self.database_name(), &self.prefix)
    }

    /// Drops the database, deletes the topics and the decisions (best effort; the components
    /// must be gone).
    pub async fn remove(&self) {
        let admin = PgConfig::new(&self.endpoints.database_direct);
        if let Ok(pool) = admin.connect().await {
            let sql = saga_harness::scratch::drop_statement(self.database_name());
            let _ = sqlx::Executor::execute(&pool, sql.as_str()).await;
            pool.close().await;
        }
        let prefix = self.prefix.clone();
        saga_kafka::delete_topics_with_prefix(&self.state().kafka(), &prefix, |_| true).await;
        if let Ok(redis) = RedisConfig::new(&self.endpoints.redis_direct)
            .connect()
            .await
        {
            let _ = saga_redis::delete_keys_with_prefix(&redis, &self.decision_prefix(), |_| true)
                .await;
        }
    }
}
