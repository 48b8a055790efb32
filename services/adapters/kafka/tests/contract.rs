//! The event bus contract against Kafka. Each test process uses its own topic prefix
//! (`contract-{pid}-`) and clears topics left by processes that are gone.
//! The broker is the native stack's (`DIRECT_KAFKA_BOOTSTRAP_SERVERS`, default
//! `scripts/stack`'s direct address; without one the clauses skip locally and fail under
//! `CI=true`), or a container with `SAGA_TEST_BACKENDS=containers` (saga-test-backends).

use std::sync::Arc;

use saga_core::Topic;
use saga_core::ports::{EventBus, OutgoingMessage};
use saga_kafka::{KafkaConfig, KafkaEventBus, delete_topics_with_prefix};
use saga_test_backends::Backend;

const PREFIX: &str = "contract-";

async fn config() -> KafkaConfig {
    let servers = saga_test_backends::address(Backend::Kafka)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut config = KafkaConfig::new(servers);
    config.prefix = format!("{PREFIX}{}-", std::process::id());
    config.connect_attempts = 1;
    config.request_timeout = std::time::Duration::from_secs(5);
    config
}

async fn bus() -> Option<KafkaEventBus> {
    let config = config().await;
    match KafkaEventBus::connect(config.clone()).await {
        Ok(bus) => {
            delete_topics_with_prefix(&config, PREFIX, |topic| {
                saga_harness::abandoned(topic, PREFIX)
            })
            .await;
            Some(bus)
        }
        Err(e) => saga_contract::backend::unavailable("Kafka", &config.bootstrap_servers, &e),
    }
}

async fn event_bus() -> Option<Arc<dyn EventBus>> {
    Some(Arc::new(bus().await?))
}

saga_contract::event_bus_contract!(event_bus());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_reads_topics_to_the_end_and_group_offsets() {
    let Some(bus) = bus().await else { return };
    let tag = format!("snap-{}", std::process::id());
    let messages = (0..4)
        .map(|i| OutgoingMessage {
            topic: Topic::Orders,
            key: format!("{tag}-{i}"),
            payload: format!("{tag}-{i}").into_bytes(),
            correlation_id: None,
            replay: None,
            trace: None,
        })
        .collect();
    bus.publish(messages).await.unwrap();
    let group = format!("{tag}-g");
    let mut consumer = bus.subscribe(&group, &[Topic::Orders]).await.unwrap();
    let first = loop {
        let d = saga_contract::within("a delivery", consumer.next())
            .await
            .unwrap();
        if d.payload.starts_with(tag.as_bytes()) {
            break d;
        }
    };
    consumer.commit(&first).await.unwrap();
    let snapshot = saga_kafka::read_snapshot(bus.config(), &[group.as_str()])
        .await
        .unwrap();
    let mine = snapshot
        .records
        .iter()
        .filter(|r| r.payload.starts_with(tag.as_bytes()))
        .count();
    assert_eq!(mine, 4, "every published record is read back");
    let ends: u64 = snapshot
        .end_offsets
        .iter()
        .filter(|((t, _), _)| *t == Topic::Orders)
        .map(|(_, end)| *end)
        .sum();
    assert!(ends >= 4);
    let committed = &snapshot.groups[0].committed;
    assert_eq!(
        committed.get(&(Topic::Orders, first.partition)),
        Some(&(first.offset + 1)),
        "the group's committed offset is one past the committed delivery"
    );
}
