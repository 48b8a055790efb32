//! One order's trace exported to Jaeger: spans from all six processes hang off each other as
//! the `traceparent` headers do (each header's span id is an exported span); and a dead letter
//! replayed by an operator comes back into its order's trace, linked to the operator's request
//! (through the DLQ index, which keeps each rejection's `traceparent`).

use std::collections::BTreeSet;

use saga_components::Component;
use saga_components::registry::{
    DELIVERY_WORKER, EXPLORER, GATEWAY, ORDER_API, ORDER_STATUS_WORKER, OUTBOX_RELAY,
    PAYMENT_WORKER,
};
use saga_core::event::decode;
use saga_core::ports::{Entropy, NewOrder, OrderStore, OsEntropy};
use saga_core::{CorrelationId, Item, OrderId, TraceParent};
use saga_postgres::{PgConfig, PgOrderStore};

use crate::deployment::Deployment;
use crate::dlq_ops::{OPERATOR_KEY, keys};
use crate::jaeger::{self, Jaeger, Span};
use crate::judge::snapshot;
use crate::outsider::{repair_decision, spoil_decision};
use crate::trace::place_traced;
use crate::{SERIAL, backends};

/// The processes an order's trace crosses: each exports as its component's name.
const SERVICES: [Component; 6] = [
    GATEWAY,
    ORDER_API,
    OUTBOX_RELAY,
    PAYMENT_WORKER,
    ORDER_STATUS_WORKER,
    DELIVERY_WORKER,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_orders_trace_is_exported_to_jaeger_with_the_headers_ids() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let Some(jaeger) = jaeger::available().await else {
        return;
    };
    let saga = exporting(Deployment::new(backends, "trace-export").await, &jaeger).await;
    one_order_through_every_process(&saga, &jaeger).await;
}

// `saga dlq` reads the letter through PostgreSQL's DLQ index, so this also holds the index to
// keeping a rejection's `traceparent`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_dead_letter_is_exported_into_its_orders_trace() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let Some(jaeger) = jaeger::available().await else {
        return;
    };
    let saga = exporting(Deployment::new(backends, "trace-replay").await, &jaeger).await;
    a_replayed_dead_letter_rejoins_its_orders_trace(&saga, &jaeger).await;
}

/// `saga` started with every component exporting its spans to `jaeger`.
async fn exporting(mut saga: Deployment, jaeger: &Jaeger) -> Deployment {
    saga.set_env("PAYMENT_SUCCESS_PROBABILITY", "1");
    saga.set_env("OTEL_EXPORTER_OTLP_ENDPOINT", &jaeger.otlp);
    // Batches leave every half second, not every five: the test waits less.
    saga.set_env("OTEL_BSP_SCHEDULE_DELAY", "500");
    saga.start_all().await;
    saga
}

async fn one_order_through_every_process(saga: &Deployment, jaeger: &Jaeger) {
    let (order, trace, acknowledged) = place_traced(saga, "exported tea").await;

    let spans = jaeger
        .await_trace(&trace.trace_id().to_string(), |spans| {
            let services: BTreeSet<_> = spans.iter().map(|s| s.service.as_str()).collect();
            SERVICES.iter().all(|c| services.contains(c.name))
        })
        .await;
    // Parent/child links intact: every parent is a span of the trace, but the client's own.
    let client_span = trace.span_id().to_string();
    for span in &spans {
        let parent = span.parent.as_deref();
        let known = parent.is_some_and(|p| p == client_span || spans.iter().any(|s| s.id == p));
        assert!(known, "{span:#?} has a parent outside the trace");
    }
    let roots: Vec<_> = spans
        .iter()
        .filter(|s| s.parent.as_deref() == Some(&client_span))
        .collect();
    assert!(
        roots.iter().all(|s| s.service == GATEWAY.name),
        "{roots:#?}"
    );
    // Each hop's span (the one whose id it passes on) is a child of the hop before it.
    for (child, kind, parent) in [
        (ORDER_API, "server", GATEWAY),
        (PAYMENT_WORKER, "consumer", ORDER_API),
        (ORDER_STATUS_WORKER, "consumer", PAYMENT_WORKER),
        (DELIVERY_WORKER, "consumer", ORDER_STATUS_WORKER),
    ] {
        let (child, parent) = (child.name, parent.name);
        let hop = spans
            .iter()
            .find(|s| s.service == child && s.tags.get("span.kind").is_some_and(|k| k == kind));
        let hop = hop.unwrap_or_else(|| panic!("no {kind} span of {child}: {spans:#?}"));
        assert_eq!(
            service_of(&spans, hop.parent.as_deref()),
            Some(parent),
            "{hop:#?}"
        );
    }
    // The span ids the Kafka headers carried are the exported spans.
    let state = snapshot(saga, &acknowledged).await;
    for record in &state.bus.records {
        let ours = decode(&record.payload)
            .ok()
            .and_then(|e| e.order_id())
            .map(OrderId::get);
        if ours != Some(order) {
            continue;
        }
        let header = record.trace.expect("a traced record").span_id().to_string();
        assert!(
            spans.iter().any(|s| s.id == header),
            "{record:?} names no exported span"
        );
    }
}

async fn a_replayed_dead_letter_rejoins_its_orders_trace(saga: &Deployment, jaeger: &Jaeger) {
    // An order whose stored payment decision is garbage: the payment worker dead-letters its
    // ORDER_CREATED (as in the dlq_ops test), in the order's trace.
    let trace = OsEntropy.new_trace();
    let event_id = OsEntropy.event_id();
    spoil_decision(saga, event_id).await;
    let pool = PgConfig::new(&saga.database_direct)
        .connect()
        .await
        .unwrap();
    PgOrderStore::new(pool)
        .create_order(NewOrder {
            item: Item::parse("replayed tea").unwrap(),
            correlation_id: CorrelationId::parse("trace-export").unwrap(),
            idempotency_key: None,
            owner: None,
            event_id,
            created_at: time::OffsetDateTime::now_utc(),
            trace: Some(trace),
            schema: saga_core::event::Schema::V1,
        })
        .await
        .unwrap();
    let trace_id = trace.trace_id().to_string();
    let rejected = jaeger
        .await_trace(&trace_id, |spans| spans.iter().any(is_dead_letter))
        .await;
    let rejection = rejected.iter().find(|s| is_dead_letter(s)).unwrap();
    let letter = rejection.tags["saga.event_id"].clone();

    repair_decision(saga, event_id).await;
    let operator: TraceParent = OsEntropy.new_trace();
    let keys = keys();
    let replayed = saga
        .tool(
            Some(EXPLORER),
            &["dlq", "replay", &letter, "--why", "decision repaired"],
            &[
                ("API_KEYS", &keys),
                ("SAGA_API_KEY", OPERATOR_KEY),
                ("TRACEPARENT", &operator.to_string()),
                ("OTEL_EXPORTER_OTLP_ENDPOINT", &jaeger.otlp),
            ],
        )
        .output()
        .expect("running saga dlq replay");
    assert!(replayed.status.success(), "{replayed:?}");

    let replay_consumed =
        |s: &Span| s.service == "payment-worker" && s.tags.contains_key("saga.replay_of");
    let spans = jaeger
        .await_trace(&trace_id, |spans| {
            spans.iter().any(|s| s.operation == "dlq replay") && spans.iter().any(replay_consumed)
        })
        .await;
    let replay = spans.iter().find(|s| s.operation == "dlq replay").unwrap();
    assert_eq!(replay.service, "saga-dlq");
    assert_eq!(replay.parent.as_deref(), Some(rejection.id.as_str()));
    let link = (
        operator.trace_id().to_string(),
        operator.span_id().to_string(),
    );
    assert_eq!(
        replay.links,
        [link],
        "the replay links to the operator's request"
    );
    let consumed = spans.iter().find(|s| replay_consumed(s)).unwrap();
    assert_eq!(
        consumed.parent.as_deref(),
        Some(rejection.id.as_str()),
        "{consumed:#?}"
    );
    assert_eq!(consumed.tags["saga.replay_of"], letter);
}

fn is_dead_letter(span: &Span) -> bool {
    span.operation.starts_with("dead-letter")
}

fn service_of<'a>(spans: &'a [Span], id: Option<&str>) -> Option<&'a str> {
    let id = id?;
    spans
        .iter()
        .find(|s| s.id == id)
        .map(|s| s.service.as_str())
}
