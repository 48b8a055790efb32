//! What the tests do to a deployment from outside the saga, as any client of its backends
//! could: write records to its topics, and spoil a stored payment decision so that the payment
//! worker's read of it fails for good (a handler failure no retry cures).

use saga_core::EventId;
use saga_kafka::KafkaEventBus;

use crate::deployment::Deployment;
use crate::judge::kafka;

/// A producer on the deployment's topics.
pub async fn producer(saga: &Deployment) -> KafkaEventBus {
    KafkaEventBus::connect(kafka(saga)).await.expect("Kafka")
}

/// Stores garbage where the payment worker looks for the decision on `source`.
pub async fn spoil_decision(saga: &Deployment, source: EventId) {
    let _: () = redis::cmd("SET")
        .arg(decision_key(saga, source))
        .arg("garbage")
        .query_async(&mut connect(saga).await)
        .await
        .expect("SET");
}

/// Removes what [`spoil_decision`] stored: the cause of the failure is gone.
pub async fn repair_decision(saga: &Deployment, source: EventId) {
    let _: () = redis::cmd("DEL")
        .arg(decision_key(saga, source))
        .query_async(&mut connect(saga).await)
        .await
        .expect("DEL");
}

fn decision_key(saga: &Deployment, source: EventId) -> String {
    format!("{}{source}", saga_harness::decision_prefix(&saga.prefix))
}

async fn connect(saga: &Deployment) -> redis::aio::ConnectionManager {
    saga.backends.redis_config().connect().await.expect("Redis")
}
