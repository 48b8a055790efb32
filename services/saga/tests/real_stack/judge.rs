//! Reading a deployment's real state — PostgreSQL, Redis and every topic read to the end —
//! and judging it with the core checker.

use std::time::Duration;

use saga_checker::{self as checker, Scope, Violation};
use saga_client::SagaClient;
use saga_core::snapshot::{Acknowledged, SystemSnapshot};
use saga_kafka::KafkaConfig;
use saga_postgres::PgConfig;
use saga_redis::{RedisConfig, RedisDecisionStore};

use crate::deployment::Deployment;

/// Kafka settings for the test's own direct reads of this deployment's topics.
pub fn kafka(deployment: &Deployment) -> KafkaConfig {
    let mut config = KafkaConfig::new(&deployment.backends.kafka_direct);
    config.prefix = deployment.prefix.clone();
    config
}

/// How many payment decisions Redis holds for this deployment.
pub async fn decision_count(deployment: &Deployment) -> usize {
    let conn = RedisConfig::new(&deployment.backends.redis_direct)
        .connect()
        .await
        .expect("Redis");
    RedisDecisionStore::new(conn, saga_harness::decision_prefix(&deployment.prefix))
        .snapshot()
        .await
        .expect("Redis snapshot")
        .len()
}

/// The whole system's durable state as the checker sees it.
pub async fn snapshot(deployment: &Deployment, acknowledged: &[Acknowledged]) -> SystemSnapshot {
    let pool = PgConfig::new(&deployment.database_direct)
        .connect()
        .await
        .expect("PostgreSQL");
    let pg = saga_postgres::read_snapshot(&pool)
        .await
        .expect("PostgreSQL snapshot");
    pool.close().await;
    let conn = RedisConfig::new(&deployment.backends.redis_direct)
        .connect()
        .await
        .expect("Redis");
    let decisions =
        RedisDecisionStore::new(conn, saga_harness::decision_prefix(&deployment.prefix))
            .snapshot()
            .await
            .expect("Redis snapshot");
    let groups: Vec<&str> = saga_core::topic::CONSUMER_GROUPS
        .iter()
        .map(|(g, _)| *g)
        .collect();
    let bus = saga_kafka::read_snapshot(&kafka(deployment), &groups)
        .await
        .expect("Kafka snapshot");
    SystemSnapshot {
        acknowledged: acknowledged.to_vec(),
        store: pg.store,
        decisions,
        deliveries: pg.deliveries,
        bus,
        interference: Default::default(),
    }
}

/// Checks safety and liveness, polling while only liveness fails (work still in flight),
/// until everything holds or `patience` runs out. Returns what still fails.
pub async fn converge(
    deployment: &Deployment,
    acknowledged: &[Acknowledged],
    patience: Duration,
) -> Vec<Violation> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let state = snapshot(deployment, acknowledged).await;
        let violations = checker::check(&state, Scope::SafetyAndLiveness);
        let waiting = !violations.is_empty() && violations.iter().all(|v| v.property.is_liveness());
        if !waiting || tokio::time::Instant::now() >= deadline {
            return violations;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Places `n` orders through the gateway, `concurrency` at a time; every one must get 202.
pub async fn place(client: &SagaClient, n: usize, concurrency: usize) -> Vec<Acknowledged> {
    client
        .place_all_accepted("real meal", n, concurrency)
        .await
        .expect("every order accepted")
}
