//! The explorer's pages on the memory adapters, driven with `oneshot`: one order walked through
//! every step by hand (with a redelivered ORDER_CREATED and a duplicate payment append), one
//! left stuck, and the pages checked for what an operator must see.

use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use saga_core::ports::{
    Clock, DecisionStore, DeliveryAssignment, DeliveryStore, EventBus, FixedClock, NewOrder,
    OrderStore, OutgoingMessage, PaymentApplication, PortError,
};
use saga_core::snapshot::SystemSnapshot;
use saga_core::{
    CorrelationId, Envelope, EventBody, EventId, IdempotencyKey, Item, OrderId, PaymentDecision,
    Topic,
};
use saga_explorer::{ExplorerConfig, ExplorerDeps, Reading, SagaSource};
use saga_memory::{MemoryDecisionStore, MemoryDeliveryStore, MemoryEventBus, MemoryOrderStore};
use time::OffsetDateTime;
use time::macros::datetime;
use tower::ServiceExt;

const T0: OffsetDateTime = datetime!(2026-11-25 10:00:00 UTC);

#[derive(Clone)]
struct Memory {
    store: MemoryOrderStore,
    bus: MemoryEventBus,
    decisions: MemoryDecisionStore,
    deliveries: MemoryDeliveryStore,
}

#[async_trait]
impl SagaSource for Memory {
    async fn snapshot(&self) -> Result<SystemSnapshot, PortError> {
        Ok(SystemSnapshot {
            store: self.store.snapshot(),
            decisions: self.decisions.snapshot(),
            deliveries: self.deliveries.snapshot(),
            bus: self.bus.snapshot(),
            ..SystemSnapshot::default()
        })
    }
}

fn ms(n: i64) -> time::Duration {
    time::Duration::milliseconds(n)
}

async fn place(memory: &Memory, item: &str, key: Option<&str>, at: OffsetDateTime) -> OrderId {
    let new = NewOrder {
        item: Item::parse(item).unwrap(),
        correlation_id: CorrelationId::parse(&format!("corr-{}", item.replace(" ", "-"))).unwrap(),
        idempotency_key: key.map(|k| IdempotencyKey::parse(k).unwrap()),
        owner: None,
        event_id: EventId::from_random_bits(u128::from(item.len() as u32) << 64 | 1),
        created_at: at,
        trace: None,
        schema: saga_core::event::Schema::V1,
    };
    memory.store.create_order(new).await.unwrap().order().id
}

/// Publishes every unpublished outbox row (twice when `again`: a relay that crashed before
/// marking them).
async fn relay(memory: &Memory, again: bool) {
    let claim = memory.store.claim_outbox(100).await.unwrap();
    let messages: Vec<OutgoingMessage> = claim
        .records()
        .iter()
        .map(|r| OutgoingMessage {
            topic: r.topic,
            key: r.key.clone(),
            payload: r.payload.clone(),
            correlation_id: Some(r.correlation_id.clone()),
            replay: None,
            trace: None,
        })
        .collect();
    memory.bus.publish(messages.clone()).await.unwrap();
    if again {
        memory.bus.publish(messages).await.unwrap();
    }
    let ids: Vec<i64> = claim.records().iter().map(|r| r.id).collect();
    claim.mark_published(&ids).await.unwrap();
}

fn payment(order: OrderId, source: EventId, id: u128, at: OffsetDateTime) -> Envelope {
    Envelope {
        event_id: EventId::from_random_bits(id),
        occurred_at: at,
        correlation_id: CorrelationId::parse("corr-payment").unwrap(),
        causation_id: Some(source),
        body: EventBody::Payment {
            order_id: order,
            decision: PaymentDecision::Success,
        },
        trace: None,
    }
}

async fn publish(memory: &Memory, envelope: &Envelope) {
    let message = OutgoingMessage {
        topic: Topic::Payments,
        key: envelope.order_id().unwrap().key(),
        payload: envelope.to_bytes(),
        correlation_id: None,
        replay: None,
        trace: None,
    };
    memory.bus.publish(vec![message]).await.unwrap();
}

/// Consumes and commits everything on `topic` as `group`.
async fn drain(memory: &Memory, group: &str, topic: Topic) {
    let mut consumer = memory.bus.subscribe(group, &[topic]).await.unwrap();
    while let Some(delivery) = consumer.try_next() {
        consumer.commit(&delivery.unwrap()).await.unwrap();
    }
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String) {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// Order 1 completed through every step with a redelivery and a duplicate; order 2 published
/// and never consumed, order 3 never published: both stuck a minute later.
async fn walked() -> (Memory, OrderId, OrderId) {
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(T0 + ms(40)));
    let memory = Memory {
        store: MemoryOrderStore::new(),
        bus: MemoryEventBus::with_clock(1, clock),
        decisions: MemoryDecisionStore::new(),
        deliveries: MemoryDeliveryStore::new(),
    };
    let done = place(&memory, "standard meal", Some("key-1"), T0).await;
    relay(&memory, true).await;
    drain(&memory, "payment-worker", Topic::Orders).await;
    let source = memory.store.snapshot().outbox[0].event_id;
    memory
        .decisions
        .decide(source, PaymentDecision::Success)
        .await
        .unwrap();
    let first = payment(done, source, 11, T0 + ms(50));
    publish(&memory, &first).await;
    publish(&memory, &first).await;
    let replayed = payment(done, source, 12, T0 + ms(60));
    publish(&memory, &replayed).await;
    let apply = |event: &Envelope, at| PaymentApplication {
        event_id: event.event_id,
        causation_id: source,
        order_id: done,
        decision: PaymentDecision::Success,
        correlation_id: event.correlation_id.clone(),
        at,
        completion_event_id: EventId::from_random_bits(event.event_id.as_uuid().as_u128() + 1),
        trace: None,
        schema: saga_core::event::Schema::V1,
    };
    memory
        .store
        .apply_payment(apply(&first, T0 + ms(70)))
        .await
        .unwrap();
    memory
        .store
        .apply_payment(apply(&replayed, T0 + ms(75)))
        .await
        .unwrap();
    drain(&memory, "order-status-worker", Topic::Payments).await;
    relay(&memory, false).await;
    drain(&memory, "delivery-worker", Topic::Orders).await;
    let assignment = DeliveryAssignment {
        order_id: done,
        payment_event_id: first.event_id,
        assigned_at: T0 + ms(80),
        trace: None,
    };
    memory.deliveries.assign(assignment).await.unwrap();
    let stuck = place(&memory, "tea", None, T0 + ms(90)).await;
    relay(&memory, false).await;
    place(&memory, "coffee", None, T0 + ms(95)).await;
    (memory, done, stuck)
}

fn app(memory: Memory, now: OffsetDateTime) -> axum::Router {
    let deps = ExplorerDeps {
        reading: Reading::Snapshots(Arc::new(memory)),
        clock: Arc::new(FixedClock::new(now)),
        dead_letters: None,
        keys: None,
        csrf_secret: "test".into(),
    };
    saga_explorer::router(deps, ExplorerConfig::default())
}

#[tokio::test]
async fn the_list_counts_filters_and_links_to_each_order() {
    let (memory, done, stuck) = walked().await;
    let app = app(memory, T0 + time::Duration::seconds(60));
    let (status, page) = get(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("href=\"/orders/{done}\"")), "{page}");
    assert!(
        page.contains(&format!("href=\"/orders/{stuck}\"")),
        "{page}"
    );
    assert!(page.contains("<b>3</b> orders"), "total count: {page}");
    assert!(
        page.contains("<noscript><meta http-equiv=\"refresh\""),
        "refreshes without JS"
    );
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no CDN: {page}"
    );

    let (_, stuck_only) = get(&app, "/?stuck=on").await;
    assert!(stuck_only.contains(&format!("data-order=\"{stuck}\"")));
    assert!(!stuck_only.contains(&format!("data-order=\"{done}\"")));
    let (_, by_item) = get(&app, "/?item=MEAL&status=COMPLETED").await;
    assert!(by_item.contains(&format!("data-order=\"{done}\"")));
    assert!(!by_item.contains(&format!("data-order=\"{stuck}\"")));

    let (status, bad) = get(&app, "/?status=DONE").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad.contains("Filter not applied: status"), "{bad}");
}

#[tokio::test]
async fn the_timeline_shows_every_step_with_times_redeliveries_and_the_verdict() {
    let (memory, done, _) = walked().await;
    let app = app(memory, T0 + time::Duration::seconds(1));
    let (status, page) = get(&app, &format!("/orders/{done}")).await;
    assert_eq!(status, StatusCode::OK);
    for step in [
        "Accepted by the gateway (202)",
        "Order and outbox row committed",
        "Published",
        "Published again (redelivery 1)",
        "Payment decided: SUCCESS (first decision)",
        "Payment SUCCESS appended again (same event)",
        "Payment decided: SUCCESS (stored decision replayed)",
        "Consumed: applied",
        "Consumed: deduplicated (event already processed)",
        "Consumed: recorded, order already terminal",
        "Status PENDING → COMPLETED",
        "ORDER_COMPLETED published",
        "Delivery assigned",
    ] {
        assert!(
            page.contains(&format!("data-step=\"{step}\"")),
            "missing step {step:?}: {page}"
        );
    }
    assert!(page.contains("corr-standard-meal"), "correlation id");
    assert!(page.contains("idempotency key key-1"));
    assert!(
        page.contains("orders/0@0") && page.contains("orders/0@1"),
        "positions: {page}"
    );
    assert!(
        page.contains("10:00:00.040"),
        "publish time from the record: {page}"
    );
    assert!(
        page.contains("+40 ms"),
        "gap from commit to publish: {page}"
    );
    assert!(page.contains("satisfies the invariants"), "{page}");
    assert!(page.contains("<svg"), "the chart is drawn");
}

#[tokio::test]
async fn a_stuck_order_says_so_and_unknown_or_bad_ids_are_answered() {
    let (memory, _, stuck) = walked().await;
    let app = app(memory, T0 + time::Duration::seconds(60));
    let (_, page) = get(&app, &format!("/orders/{stuck}")).await;
    assert!(page.contains("Stuck: PENDING for"), "{page}");
    assert!(page.contains("in flight"), "{page}");
    assert!(
        page.contains("data-step=\"Payment not decided yet\""),
        "{page}"
    );
    assert_eq!(get(&app, "/orders/999").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/orders/x").await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn saga_health_shows_backlog_lag_stuck_and_retention() {
    let (memory, _, _) = walked().await;
    let app = app(memory, T0 + time::Duration::seconds(60));
    let (status, page) = get(&app, "/saga-health").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("finds no safety violation"), "{page}");
    let card = |id: &str| {
        let at = page.find(&format!("id=\"{id}\"")).unwrap();
        page[at..at + 400].to_owned()
    };
    assert!(
        card("outbox").contains("<div class=\"big\">1</div>"),
        "order 3's row: {page}"
    );
    assert!(card("stuck").contains(">2</div>"), "orders 2 and 3: {page}");
    let lag = card("lag");
    assert!(
        lag.contains(
            "<td>payment-worker</td><td class=\"mono\">orders</td><td class=\"num\">2</td>"
        ),
        "order 1's ORDER_COMPLETED and order 2's ORDER_CREATED are unread: {lag}"
    );
    assert!(
        card("retention").contains("<td class=\"num\">2</td>"),
        "processed events: {page}"
    );
    assert_eq!(get(&app, "/health").await.0, StatusCode::OK);
}
