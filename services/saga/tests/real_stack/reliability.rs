//! The reliability checks of the real stack, each on its own deployment of six `saga`
//! processes: poison and a permanently failing record are dead-lettered once per group and the
//! saga carries on; unprocessable payments are dead-lettered and never produce a courier; a
//! black-holed PostgreSQL leaves no component hung; an order whose ORDER_CREATED was lost after
//! it was marked published is re-driven by the reconciler.

use std::time::{Duration, Instant};

use saga_client::SagaClient;
use saga_components::{COMPONENTS, registry};
use saga_core::event::{Rejection, RejectionCode, decode};
use saga_core::ports::{Entropy, EventBus, OsEntropy, OutgoingMessage};
use saga_core::snapshot::Acknowledged;
use saga_core::{
    CorrelationId, Envelope, EventBody, EventId, Item, OrderId, PaymentDecision, Topic,
};

use crate::deployment::Deployment;
use crate::judge::{converge, converge_forged, kafka, place};
use crate::outsider::{producer, spoil_decision};
use crate::{PATIENCE, SERIAL, backends, toxiproxy};

/// The rejections in `dlq`, by the group that wrote them.
async fn rejections(saga: &Deployment, dlq: Topic) -> Vec<Rejection> {
    saga_kafka::read_snapshot(&kafka(saga), &[])
        .await
        .expect("Kafka snapshot")
        .records
        .iter()
        .filter(|r| r.topic == dlq)
        .map(
            |r| match decode(&r.payload).expect("DLQ records decode").body {
                EventBody::EventRejected(rejection) => rejection,
                other => panic!("expected EVENT_REJECTED in {dlq}, got {other:?}"),
            },
        )
        .collect()
}

/// Waits until `dlq` holds at least `n` rejections.
async fn await_rejections(saga: &Deployment, dlq: Topic, n: usize) -> Vec<Rejection> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let found = rejections(saga, dlq).await;
        if found.len() >= n || tokio::time::Instant::now() >= deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn created_for(order: i64) -> Envelope {
    Envelope::order_created(
        OsEntropy.event_id(),
        time::OffsetDateTime::now_utc(),
        CorrelationId::parse("forged").unwrap(),
        OrderId::new(order).unwrap(),
        Item::parse("forged meal").unwrap(),
    )
}

fn message(topic: Topic, envelope: &Envelope) -> OutgoingMessage {
    OutgoingMessage {
        topic,
        key: envelope.order_id().map_or("x".into(), OrderId::key),
        payload: envelope.to_bytes(),
        correlation_id: Some(envelope.correlation_id.clone()),
        replay: None,
        trace: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_and_permanent_failures_are_dead_lettered_once_per_group_and_orders_flow() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "poison").await;
    saga.start_all().await;
    // A 900,000-byte record that is not JSON (under the broker's 1 MB limit: anyone may write
    // it), and a valid ORDER_CREATED whose stored decision is garbage: the payment worker's
    // Redis read fails permanently on it.
    let huge = vec![b'#'; 900_000];
    let failing = created_for(999_001);
    spoil_decision(&saga, failing.event_id).await;
    let poison = OutgoingMessage {
        topic: Topic::Orders,
        key: "poison".into(),
        payload: huge.clone(),
        correlation_id: None,
        replay: None,
        trace: None,
    };
    producer(&saga)
        .await
        .publish(vec![poison, message(Topic::Orders, &failing)])
        .await
        .expect("any producer may write these");

    let client = SagaClient::new(&saga.gateway_url())
        .with_api_key(saga_harness::DEV_API_KEY)
        .expect("a client for the gateway");
    let started = Instant::now();
    let acknowledged = place(&client, 30, 6).await;
    for ack in &acknowledged {
        let left = Duration::from_secs(10).saturating_sub(started.elapsed());
        client
            .wait_terminal(ack.order_id.get(), left)
            .await
            .expect("every order placed after the poison is terminal within 10 s");
    }
    let found = await_rejections(&saga, Topic::OrdersDlq, 3).await;
    let mut seen: Vec<(String, RejectionCode, bool)> = found
        .iter()
        .map(|r| (r.rejected_by.group.clone(), r.code, r.original.truncated))
        .collect();
    seen.sort();
    let mut expected = vec![
        ("delivery-worker".into(), RejectionCode::Undecodable, true),
        ("payment-worker".into(), RejectionCode::HandlerFailed, false),
        ("payment-worker".into(), RejectionCode::Undecodable, true),
    ];
    expected.sort();
    assert_eq!(
        seen, expected,
        "each once per group that read it, naming the group"
    );
    for poisoned in found
        .iter()
        .filter(|r| r.code == RejectionCode::Undecodable)
    {
        assert_eq!(poisoned.original.size, 900_000);
        assert_eq!(
            poisoned.original.sha256,
            saga_core::event::sha256_hex(&huge)
        );
    }
    let failed = found
        .iter()
        .find(|r| r.code == RejectionCode::HandlerFailed)
        .unwrap();
    assert_eq!(failed.original.bytes, failing.to_bytes());
    assert!(
        failed.attempts >= 5,
        "bounded attempts: {}",
        failed.attempts
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unprocessable_payments_are_dead_lettered_and_get_no_courier() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "unprocessable").await;
    saga.start_all().await;
    let client = SagaClient::new(&saga.gateway_url())
        .with_api_key(saga_harness::DEV_API_KEY)
        .expect("a client for the gateway");
    let mut acknowledged = Vec::new();
    // Place orders until one is CANCELLED (a payment fails one time in five).
    let cancelled = loop {
        let batch = place(&client, 10, 5).await;
        acknowledged.extend(batch.iter().cloned());
        let mut found = None;
        for ack in &batch {
            let order = client
                .wait_terminal(ack.order_id.get(), PATIENCE)
                .await
                .unwrap();
            if order.status == "CANCELLED" {
                found = Some(ack.order_id);
            }
        }
        if let Some(id) = found {
            break id;
        }
        assert!(acknowledged.len() < 100, "no order was ever cancelled");
    };
    let pool = saga_postgres::PgConfig::new(&saga.database_direct)
        .connect()
        .await
        .unwrap();
    let created: sqlx::types::Uuid =
        sqlx::query_scalar("SELECT created_event_id FROM orders WHERE id = $1")
            .bind(cancelled.get())
            .fetch_one(&pool)
            .await
            .unwrap();
    let payment = |order: i64, cause: EventId| Envelope {
        event_id: OsEntropy.event_id(),
        occurred_at: time::OffsetDateTime::now_utc(),
        correlation_id: CorrelationId::parse("forged").unwrap(),
        causation_id: Some(cause),
        body: EventBody::Payment {
            order_id: OrderId::new(order).unwrap(),
            decision: PaymentDecision::Success,
        },
        trace: None,
    };
    let contradicting = payment(cancelled.get(), EventId::from_uuid(created));
    let unknown = payment(999_004, OsEntropy.event_id());
    producer(&saga)
        .await
        .publish(vec![
            message(Topic::Payments, &contradicting),
            message(Topic::Payments, &unknown),
        ])
        .await
        .unwrap();
    let found = await_rejections(&saga, Topic::PaymentsDlq, 2).await;
    let mut codes: Vec<(RejectionCode, Vec<u8>)> = found
        .iter()
        .map(|r| {
            assert_eq!(r.rejected_by.group, "order-status-worker");
            (r.code, r.original.bytes.clone())
        })
        .collect();
    codes.sort();
    let mut expected = vec![
        (RejectionCode::UnknownOrder, unknown.to_bytes()),
        (RejectionCode::ContradictsApplied, contradicting.to_bytes()),
    ];
    expected.sort();
    assert_eq!(codes, expected);
    // The checker agrees: both accounted for, nothing dropped, nothing wrongly delivered.
    let forged = [contradicting.event_id, unknown.event_id];
    let violations = converge_forged(&saga, &acknowledged, &forged, PATIENCE).await;
    assert!(violations.is_empty(), "{violations:#?}");
    let couriers: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM delivery.assignments WHERE order_id = ANY($1) \
         OR order_id NOT IN (SELECT id FROM orders WHERE status = 'COMPLETED')",
    )
    .bind(vec![cancelled.get(), 999_004])
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(couriers, 0, "no courier for a cancelled or unknown order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_black_holed_postgres_leaves_no_component_hung_after_it_heals() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "black-hole").await;
    // Our own proxy on the shared Toxiproxy: the shared proxies are never touched.
    let proxy = toxiproxy::Proxy::create(&saga.backends, &saga.prefix).await;
    saga.route_database(&proxy.address());
    saga.set_env("DATABASE_CALL_TIMEOUT_SECONDS", "3");
    saga.set_env("HEALTH_STALL_SECONDS", "10");
    saga.start_all().await;
    let client = SagaClient::new(&saga.gateway_url())
        .with_api_key(saga_harness::DEV_API_KEY)
        .expect("a client for the gateway");
    let mut acknowledged = place(&client, 20, 4).await;
    // Orders in flight when the link goes silent: requests, claims and commits cut midway.
    let in_flight = {
        let client = client.clone();
        tokio::spawn(async move { client.place_many("in flight", 40, 4).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.black_hole().await;
    let relay = saga.addr(registry::OUTBOX_RELAY);
    let mut relay_unhealthy = false;
    let hole = Instant::now();
    while hole.elapsed() < Duration::from_secs(30) {
        relay_unhealthy |= crate::http::get_status(relay, "/health").await == Some(503);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    proxy.heal().await;
    assert!(
        relay_unhealthy,
        "the relay's /health turned 503 while it could not work"
    );
    for placed in in_flight.await.unwrap().into_iter().flatten() {
        if let Some(order) = placed.order.filter(|_| placed.status == 202) {
            acknowledged.push(Acknowledged {
                order_id: OrderId::new(order.order_id).unwrap(),
                idempotency_key: None,
                trace: None,
            });
        }
    }
    // Nothing hung: every component is healthy again and new orders go through.
    let healed = Instant::now();
    for component in COMPONENTS.iter().copied() {
        let addr = saga.addr(component);
        while crate::http::get_status(addr, "/health").await != Some(200) {
            assert!(
                healed.elapsed() < Duration::from_secs(60),
                "{} still unhealthy 60 s after the heal:\n{}",
                component.name,
                saga.log_tail(component)
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    acknowledged.extend(place(&client, 20, 4).await);
    let violations = converge(&saga, &acknowledged, PATIENCE).await;
    assert!(violations.is_empty(), "{violations:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_whose_event_was_lost_after_publishing_is_redriven_to_a_terminal_state() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "reconciler").await;
    saga.set_env("RECONCILE_STUCK_AFTER_SECONDS", "2");
    saga.set_env("RECONCILE_INTERVAL_SECONDS", "1");
    saga.start(registry::ORDER_API).await;
    saga.start(registry::GATEWAY).await;
    let client = SagaClient::new(&saga.gateway_url())
        .with_api_key(saga_harness::DEV_API_KEY)
        .expect("a client for the gateway");
    let acknowledged = place(&client, 3, 3).await;
    // As if the broker lost them after acknowledging: marked published, never in Kafka.
    let pool = saga_postgres::PgConfig::new(&saga.database_direct)
        .connect()
        .await
        .unwrap();
    let lost = sqlx::query("UPDATE outbox SET published_at = now()")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(lost.rows_affected(), 3);
    for component in [
        registry::OUTBOX_RELAY,
        registry::PAYMENT_WORKER,
        registry::ORDER_STATUS_WORKER,
        registry::DELIVERY_WORKER,
    ] {
        saga.start(component).await;
    }
    for ack in &acknowledged {
        client
            .wait_terminal(ack.order_id.get(), PATIENCE)
            .await
            .expect("the reconciler re-drives the lost ORDER_CREATED");
    }
    let redriven: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE redriven_at IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        redriven, 3,
        "the same outbox rows (same event ids) were published again"
    );
    let violations = converge(&saga, &acknowledged, PATIENCE).await;
    assert!(violations.is_empty(), "{violations:#?}");
}
