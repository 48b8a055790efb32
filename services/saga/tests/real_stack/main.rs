//! End-to-end on the real stack (`scripts/stack up`): every component a separate `saga` OS
//! process, through Toxiproxy, on real PostgreSQL, Kafka and Redis; the core checker judges
//! the real state. Each test gets its own database, topic prefix and key prefix; the tests run
//! one at a time (two cores). Skipped locally without the stack, failed under `CI=true`.

mod audit;
mod backends;
mod bench;
mod deployment;
mod dlq_ops;
mod http;
mod jaeger;
mod judge;
mod least_privilege;
mod outsider;
mod prometheus;
mod reliability;
mod schema;
mod toxiproxy;
mod trace;
mod trace_export;

use std::time::Duration;

use saga_client::SagaClient;
use saga_components::registry;
use saga_core::event::decode;
use saga_core::ports::{EventBus, OutgoingMessage};
use saga_core::{EventBody, Topic};
use saga_harness::DEV_API_KEY;
use tokio::sync::Mutex;

use crate::deployment::Deployment;
use crate::judge::{converge, decision_count, kafka, place, snapshot};

/// One deployment at a time: six processes each are plenty for two cores.
static SERIAL: Mutex<()> = Mutex::const_new(());

const PATIENCE: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_orders_reach_a_terminal_state_and_the_checker_passes() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "two-hundred").await;
    saga.start_all().await;
    let client = SagaClient::new(&saga.gateway_url())
        .with_api_key(DEV_API_KEY)
        .unwrap();
    let acknowledged = place(&client, 200, 16).await;
    let violations = converge(&saga, &acknowledged, PATIENCE).await;
    assert!(violations.is_empty(), "{violations:#?}");
    let audited = audit::counted(&saga).await;
    assert!(
        audited.is_empty(),
        "the auditor judged otherwise: {audited:?}"
    );
    let state = snapshot(&saga, &acknowledged).await;
    assert_eq!(state.store.orders.len(), 200);
    assert!(state.store.orders.iter().all(|o| o.status.is_terminal()));
    assert!(state.store.outbox.iter().all(|row| row.published));
}

const INVALID_ENVELOPE: &[u8] = br#"{"event_id":"not-a-uuid","event_type":"ORDER_CREATED","schema_version":1,"occurred_at":"2026-01-01T00:00:00Z","correlation_id":"c","causation_id":null,"payload":{"order_id":1,"item":"x"}}"#;

fn raw(topic: Topic, payload: &[u8]) -> OutgoingMessage {
    OutgoingMessage {
        topic,
        key: "1".into(),
        payload: payload.to_vec(),
        correlation_id: None,
        replay: None,
        trace: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_records_are_dead_lettered_and_the_saga_carries_on() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "dlq").await;
    saga.start_all().await;
    let producer = saga_kafka::KafkaEventBus::connect(kafka(&saga))
        .await
        .unwrap();
    let bad = [
        raw(Topic::Orders, b"\xff\xfe not json"),
        raw(Topic::Orders, INVALID_ENVELOPE),
        raw(Topic::Payments, b"{\"half\":"),
        raw(Topic::Payments, INVALID_ENVELOPE),
    ];
    producer.publish(bad.to_vec()).await.unwrap();
    let client = SagaClient::new(&saga.gateway_url())
        .with_api_key(DEV_API_KEY)
        .unwrap();
    let acknowledged = place(&client, 20, 4).await;
    let violations = converge(&saga, &acknowledged, PATIENCE).await;
    assert!(violations.is_empty(), "{violations:#?}");

    let records = snapshot(&saga, &acknowledged).await.bus.records;
    let originals = |dlq: Topic| -> Vec<Vec<u8>> {
        let mut found: Vec<Vec<u8>> = records
            .iter()
            .filter(|r| r.topic == dlq)
            .map(
                |r| match decode(&r.payload).expect("DLQ records decode").body {
                    EventBody::EventRejected(rejection) => rejection.original.bytes,
                    other => panic!("expected EVENT_REJECTED in {dlq}, got {other:?}"),
                },
            )
            .collect();
        found.sort();
        found
    };
    // Two groups read `orders` (payment and delivery), so each bad record there twice.
    let mut expected_orders = [&bad[0], &bad[1], &bad[0], &bad[1]].map(|b| b.payload.clone());
    expected_orders.sort();
    assert_eq!(originals(Topic::OrdersDlq), expected_orders.to_vec());
    let mut expected_payments = vec![bad[2].payload.clone(), bad[3].payload.clone()];
    expected_payments.sort();
    assert_eq!(originals(Topic::PaymentsDlq), expected_payments);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_answers_503_while_the_order_api_is_stopped_and_recovers() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "gateway-503").await;
    saga.start(registry::ORDER_API).await;
    saga.start(registry::GATEWAY).await;
    let client = SagaClient::new(&saga.gateway_url())
        .with_api_key(DEV_API_KEY)
        .unwrap();
    assert_eq!(
        client.place_order("before", None).await.unwrap().status,
        202
    );
    saga.stop(registry::ORDER_API).await;
    let placed = client.place_order("during", None).await.unwrap();
    assert_eq!(placed.status, 503, "{placed:?}");
    let gateway = saga.addr(registry::GATEWAY);
    assert_eq!(http::get_status(gateway, "/ready").await, Some(503));
    saga.start(registry::ORDER_API).await;
    assert_eq!(client.place_order("after", None).await.unwrap().status, 202);
    assert_eq!(http::get_status(gateway, "/ready").await, Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_worker_killed_mid_stream_loses_and_duplicates_nothing() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "sigkill").await;
    saga.start_all().await;
    let client = SagaClient::new(&saga.gateway_url())
        .with_api_key(DEV_API_KEY)
        .unwrap();
    let first = tokio::spawn({
        let client = client.clone();
        async move { place(&client, 100, 2).await }
    });
    // Mid-stream: once some payments are decided, while orders keep arriving.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while decision_count(&saga).await < 20 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no payments were decided"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    saga.kill(registry::PAYMENT_WORKER).await;
    // More orders while it is dead: they wait, uncommitted, in `orders`.
    let mut acknowledged = place(&client, 50, 4).await;
    acknowledged.extend(first.await.unwrap());
    assert!(
        decision_count(&saga).await < 150,
        "the worker was killed before the end"
    );
    saga.start(registry::PAYMENT_WORKER).await;
    let violations = converge(&saga, &acknowledged, PATIENCE).await;
    assert!(violations.is_empty(), "{violations:#?}");
}

/// A deploy's SIGTERM can land while a restarted component still waits for a backend: it
/// must end at once and cleanly, not die by the signal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_stopped_while_it_waits_for_kafka_exits_cleanly() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "stop-starting").await;
    let dead = an_address_nothing_listens_on();
    saga.set_env("KAFKA_BOOTSTRAP_SERVERS", &dead);
    saga.set_env("KAFKA_CONNECT_ATTEMPTS", "1000");
    saga.set_env("KAFKA_REQUEST_TIMEOUT_SECONDS", "1");
    let worker = registry::PAYMENT_WORKER;
    let mut child = saga.command(worker).spawn().expect("saga runs");
    let log_path = saga.log_path(worker);
    let waiting = wait_for_log(
        &log_path,
        "Kafka not reachable yet",
        Duration::from_secs(60),
    )
    .await;
    assert!(
        waiting,
        "never waited for Kafka:\n{}",
        saga.log_tail(worker)
    );
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting on saga") {
            break status;
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            panic!(
                "still running 10 s after SIGTERM:\n{}",
                saga.log_tail(worker)
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}:\n{}", saga.log_tail(worker));
    assert!(
        saga.log_tail(worker).contains("stopped while starting"),
        "{}",
        saga.log_tail(worker)
    );
}

/// A loopback address whose port was just free: a Kafka that is not there.
fn an_address_nothing_listens_on() -> String {
    let nothing = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    nothing.local_addr().unwrap().to_string()
}

/// Whether `needle` shows up in the log at `path` within `patience`.
async fn wait_for_log(path: &std::path::Path, needle: &str, patience: Duration) -> bool {
    let deadline = std::time::Instant::now() + patience;
    while std::time::Instant::now() < deadline {
        if std::fs::read_to_string(path).is_ok_and(|log| log.contains(needle)) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_started_while_kafka_is_down_retries_then_exits_naming_kafka() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "kafka-down").await;
    let dead = an_address_nothing_listens_on();
    saga.set_env("KAFKA_BOOTSTRAP_SERVERS", &dead);
    saga.set_env("KAFKA_CONNECT_ATTEMPTS", "3");
    saga.set_env("KAFKA_REQUEST_TIMEOUT_SECONDS", "2");
    let started = std::time::Instant::now();
    let status = saga
        .command(registry::PAYMENT_WORKER)
        .status()
        .expect("saga runs");
    assert!(!status.success(), "a component without Kafka must fail");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    let log = std::fs::read_to_string(saga.log_path(registry::PAYMENT_WORKER)).unwrap();
    let retries = log.matches("Kafka not reachable yet").count();
    assert_eq!(
        retries, 2,
        "a warning per failed attempt before the last:\n{log}"
    );
    assert!(
        log.contains(&format!("Kafka unreachable at {dead} after 3 attempts")),
        "the exit message names Kafka and its address:\n{log}"
    );
}
