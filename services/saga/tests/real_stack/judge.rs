//! Reading a deployment's real state — PostgreSQL, Redis and every topic read to the end —
//! and judging it with the checker.

use std::time::Duration;

use saga_checker::Violation;
use saga_client::SagaClient;
use saga_core::EventId;
use saga_core::snapshot::{Acknowledged, SystemSnapshot};
use saga_harness::DeploymentState;
use saga_kafka::KafkaConfig;

use crate::deployment::Deployment;

fn state(deployment: &Deployment) -> DeploymentState<'_> {
    DeploymentState {
        endpoints: &deployment.backends,
        database_url: &deployment.database_direct,
        prefix: &deployment.prefix,
    }
}

/// Kafka settings for the test's own direct reads of this deployment's topics.
pub fn kafka(deployment: &Deployment) -> KafkaConfig {
    state(deployment).kafka()
}

/// How many payment decisions Redis holds for this deployment.
pub async fn decision_count(deployment: &Deployment) -> usize {
    let decisions = state(deployment).decisions().await.expect("Redis");
    decisions.snapshot().await.expect("Redis snapshot").len()
}

/// The whole system's durable state as the checker sees it.
pub async fn snapshot(deployment: &Deployment, acknowledged: &[Acknowledged]) -> SystemSnapshot {
    state(deployment)
        .read(acknowledged)
        .await
        .expect("the deployment's state")
}

/// Checks safety and liveness, polling while only liveness fails (work still in flight),
/// until everything holds or `patience` runs out. Returns what still fails.
pub async fn converge(
    deployment: &Deployment,
    acknowledged: &[Acknowledged],
    patience: Duration,
) -> Vec<Violation> {
    converge_forged(deployment, acknowledged, &[], patience).await
}

/// [`converge`] for a run in which the test itself published `forged` events (they belong to
/// no request's trace, as a forger's would not).
pub async fn converge_forged(
    deployment: &Deployment,
    acknowledged: &[Acknowledged],
    forged: &[EventId],
    patience: Duration,
) -> Vec<Violation> {
    let state = state(deployment);
    let read = || async {
        let mut snapshot = state.read(acknowledged).await?;
        snapshot.interference.forged.extend(forged.iter().copied());
        Ok::<_, saga_harness::Unreadable>(snapshot)
    };
    let settled = saga_checker::settle(read, patience, Duration::from_millis(500)).await;
    if let Some(error) = settled.unreadable {
        panic!("the deployment's state cannot be read: {error}");
    }
    settled.violations
}

/// Places `n` orders through the gateway, `concurrency` at a time; every one must get 202.
pub async fn place(client: &SagaClient, n: usize, concurrency: usize) -> Vec<Acknowledged> {
    client
        .place_all_accepted("real meal", n, concurrency)
        .await
        .expect("every order accepted")
}
