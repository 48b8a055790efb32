//! One order's trace on the real stack: the `traceparent` a client sends comes back on every
//! Kafka record of the order and in its courier's row, across six processes, PostgreSQL and
//! two topics.

use saga_client::SagaClient;
use saga_core::event::decode;
use saga_core::ports::{Entropy, OsEntropy};
use saga_core::snapshot::Acknowledged;
use saga_core::{EventType, OrderId, TraceParent};
use saga_harness::DEV_API_KEY;

use crate::deployment::Deployment;
use crate::judge::{converge, snapshot};
use crate::{PATIENCE, SERIAL, backends};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_orders_trace_reaches_every_record_and_its_courier() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "trace").await;
    // A courier comes only for a COMPLETED order: make it one.
    saga.set_env("PAYMENT_SUCCESS_PROBABILITY", "1");
    saga.start_all().await;
    let (order, trace, acknowledged) = place_traced(&saga, "traced tea").await;
    let state = snapshot(&saga, &acknowledged).await;
    let mut types = Vec::new();
    for record in &state.bus.records {
        let Ok(envelope) = decode(&record.payload) else {
            continue;
        };
        if envelope.order_id().map(OrderId::get) != Some(order) {
            continue;
        }
        let carried = record.trace.map(|t| t.trace_id());
        assert_eq!(carried, Some(trace.trace_id()), "{record:?}");
        types.push(envelope.event_type());
    }
    types.sort();
    types.dedup();
    assert_eq!(
        types,
        [
            EventType::OrderCreated,
            EventType::PaymentSuccess,
            EventType::OrderCompleted
        ]
    );
    let courier = state.deliveries.iter().find(|d| d.order_id.get() == order);
    let courier = courier.expect("a courier for the completed order");
    assert_eq!(courier.trace.map(|t| t.trace_id()), Some(trace.trace_id()));
}

/// One order of `item` placed through the gateway in a new trace (its `traceparent`), and the
/// saga converged on it: its id, the trace, and what the checker was told.
pub async fn place_traced(saga: &Deployment, item: &str) -> (i64, TraceParent, Vec<Acknowledged>) {
    let client = SagaClient::new(&saga.gateway_url())
        .with_api_key(DEV_API_KEY)
        .unwrap();
    let trace = OsEntropy.new_trace();
    let placed = client.place_order_in(trace, item, None).await;
    let order = placed.unwrap().order.expect("accepted").order_id;
    let acknowledged = vec![Acknowledged {
        order_id: OrderId::new(order).unwrap(),
        idempotency_key: None,
        trace: Some(trace.trace_id()),
    }];
    let violations = converge(saga, &acknowledged, PATIENCE).await;
    assert!(violations.is_empty(), "{violations:#?}");
    (order, trace, acknowledged)
}
