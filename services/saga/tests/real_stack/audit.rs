//! The auditor on the live stack: a saga runs clean (no violation counted), then violations
//! are written by hand — a second status change, a courier for a CANCELLED order (with no
//! trace context), a status change by a payment that names another ORDER_CREATED (with no
//! trace context either) — and each is in the auditor's `saga_invariant_violations_total{property}`
//! and its log, with the order's id, within 10 s; the explorer, reading the auditor's
//! verdicts, marks those orders.

use std::time::Duration;

use saga_client::SagaClient;
use saga_components::registry;
use saga_core::ports::{EventBus, OutgoingMessage};
use saga_core::{CorrelationId, Envelope, EventBody, EventId, OrderId, PaymentDecision, Topic};
use saga_harness::DEV_API_KEY;
use sqlx::PgPool;

use crate::deployment::Deployment;
use crate::http::get_text;
use crate::judge::{converge, kafka, place};
use crate::{PATIENCE, SERIAL, backends};

const WITHIN: Duration = Duration::from_secs(10);

/// The auditor's counter for `property`, from its `/metrics`.
async fn violations(saga: &Deployment, property: &str) -> u64 {
    let Some(text) = get_text(saga.addr(registry::AUDITOR), "/metrics").await else {
        return 0;
    };
    let wanted = format!("saga_invariant_violations_total{{property=\"{property}\"}}");
    text.lines()
        .find_map(|line| line.strip_prefix(&wanted))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map_or(0, |v| v as u64)
}

/// Every violation the auditor counted, as its `/metrics` lines (none on a clean run).
pub async fn counted(saga: &Deployment) -> Vec<String> {
    let text = get_text(saga.addr(registry::AUDITOR), "/metrics")
        .await
        .expect("the auditor answers");
    text.lines()
        .filter(|l| l.starts_with("saga_invariant_violations_total"))
        .map(str::to_owned)
        .collect()
}

/// Orders with `status`, from the scratch database.
async fn with_status(db: &PgPool, status: &str) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM orders WHERE status = $1 ORDER BY id")
        .bind(status)
        .fetch_all(db)
        .await
        .unwrap()
}

async fn status_change(db: &PgPool, order: i64, from: &str, to: &str, event: EventId) {
    sqlx::query(
        "INSERT INTO order_status_history (order_id, from_status, to_status, event_id, changed_at) \
         VALUES ($1, $2, $3, $4, now())",
    )
    .bind(order)
    .bind(from)
    .bind(to)
    .bind(event.as_uuid())
    .execute(db)
    .await
    .unwrap();
}

/// A PAYMENT_SUCCESS for `order` whose causation is no event of the saga's.
fn foreign_payment(order: i64, event: EventId) -> OutgoingMessage {
    let envelope = Envelope {
        event_id: event,
        occurred_at: time::OffsetDateTime::now_utc(),
        correlation_id: CorrelationId::parse("hand-written").unwrap(),
        causation_id: Some(EventId::from_random_bits(0xF0F0)),
        body: EventBody::Payment {
            order_id: OrderId::new(order).unwrap(),
            decision: PaymentDecision::Success,
        },
        trace: None,
    };
    OutgoingMessage {
        topic: Topic::Payments,
        key: order.to_string(),
        payload: envelope.to_bytes(),
        correlation_id: None,
        replay: None,
        trace: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn violations_written_by_hand_are_reported_by_the_auditor_within_ten_seconds() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "audit").await;
    saga.set_env("PAYMENT_SUCCESS_PROBABILITY", "0.5");
    let auditor = format!("http://{}", saga.addr(registry::AUDITOR));
    saga.set_env("AUDITOR_URL", &auditor);
    saga.start_all().await;
    let client = SagaClient::new(&saga.gateway_url())
        .with_api_key(DEV_API_KEY)
        .unwrap();
    let acknowledged = place(&client, 20, 4).await;
    let clean = converge(&saga, &acknowledged, PATIENCE).await;
    assert!(clean.is_empty(), "{clean:#?}");
    let db = PgPool::connect(&saga.database_direct).await.unwrap();
    let (completed, cancelled) = (
        with_status(&db, "COMPLETED").await,
        with_status(&db, "CANCELLED").await,
    );
    assert!(
        !completed.is_empty() && !cancelled.is_empty(),
        "20 orders at 50 %"
    );
    // One more order, left PENDING: no payment worker to decide it.
    saga.stop(registry::PAYMENT_WORKER).await;
    let pending = place(&client, 1, 1).await[0].order_id.get();
    for property in [
        "status-changes-once",
        "delivery-only-when-completed",
        "trace-continuity",
    ] {
        assert_eq!(
            violations(&saga, property).await,
            0,
            "{property} before any fault"
        );
    }

    let written = tokio::time::Instant::now();
    status_change(
        &db,
        completed[0],
        "COMPLETED",
        "CANCELLED",
        EventId::from_random_bits(7),
    )
    .await;
    sqlx::query(
        "INSERT INTO delivery.assignments (order_id, payment_event_id, assigned_at) \
         VALUES ($1, $2, now())",
    )
    .bind(cancelled[0])
    .bind(EventId::from_random_bits(8).as_uuid())
    .execute(&db)
    .await
    .unwrap();
    let forged = EventId::from_random_bits(9);
    let bus = saga_kafka::KafkaEventBus::connect(kafka(&saga))
        .await
        .unwrap();
    bus.publish(vec![foreign_payment(pending, forged)])
        .await
        .unwrap();
    sqlx::query("UPDATE orders SET status = 'COMPLETED' WHERE id = $1")
        .bind(pending)
        .execute(&db)
        .await
        .unwrap();
    status_change(&db, pending, "PENDING", "COMPLETED", forged).await;

    let expected = [
        ("status-changes-once", completed[0]),
        ("delivery-only-when-completed", cancelled[0]),
        ("status-change-tied-to-payment", pending),
        ("trace-continuity", pending),
        ("trace-continuity", cancelled[0]),
    ];
    for (property, order) in expected {
        while violations(&saga, property).await == 0 || !logged(&saga, property, order) {
            assert!(
                written.elapsed() < WITHIN,
                "{property} (order {order}) not reported within {WITHIN:?}; the auditor's log:\n{}",
                saga.log_tail(registry::AUDITOR)
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    println!("five violations reported within {:?}", written.elapsed());
    explorer_marks(&saga, &expected).await;
}

/// Whether the auditor's log has a line for `property` naming `order`.
fn logged(saga: &Deployment, property: &str, order: i64) -> bool {
    let log = std::fs::read_to_string(saga.log_path(registry::AUDITOR)).unwrap_or_default();
    let (property, order) = (
        format!("\"property\":\"{property}\""),
        format!("\"order_id\":{order},"),
    );
    log.lines()
        .any(|l| l.contains(&property) && l.contains(&order))
}

/// The explorer's list marks each order of `expected`, and its page names the property.
async fn explorer_marks(saga: &Deployment, expected: &[(&str, i64)]) {
    let explorer = SagaClient::new(&format!("http://{}", saga.addr(registry::EXPLORER)))
        .with_api_key(DEV_API_KEY)
        .unwrap();
    let (status, list) = explorer.get("/").await.unwrap();
    assert!(status.is_success(), "{status}");
    let list = String::from_utf8_lossy(&list);
    for (property, order) in expected {
        let row = list
            .split("<tr data-order=")
            .find(|row| row.starts_with(&format!("\"{order}\"")))
            .unwrap_or_else(|| panic!("order {order} listed:\n{list}"));
        assert!(
            row.contains("violates an invariant"),
            "order {order}: {row}"
        );
        let (_, page) = explorer.get(&format!("/orders/{order}")).await.unwrap();
        let page = String::from_utf8_lossy(&page);
        assert!(
            page.contains(property),
            "order {order} names {property}:\n{page}"
        );
    }
}
