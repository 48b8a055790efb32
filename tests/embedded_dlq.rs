//! Bad events: non-JSON bytes and contract-invalid envelopes produced straight to `orders` and
//! `payments` land in the matching DLQ as EVENT_REJECTED with the original bytes, once per
//! consumer group that read them and naming it, and the saga carries on.

use std::time::Duration;

use saga::embedded::{EmbeddedOptions, EmbeddedSaga};
use saga_client::SagaClient;
use saga_core::event::decode;
use saga_core::ports::OutgoingMessage;
use saga_core::{EventBody, Topic};
use saga_tests::{place_orders, quiesced};

fn garbage(topic: Topic, payload: &[u8]) -> OutgoingMessage {
    OutgoingMessage {
        topic,
        key: "1".into(),
        payload: payload.to_vec(),
        correlation_id: None,
        replay: None,
        trace: None,
    }
}

const INVALID_ENVELOPE: &[u8] = br#"{"event_id":"not-a-uuid","event_type":"ORDER_CREATED","schema_version":1,"occurred_at":"2026-01-01T00:00:00Z","correlation_id":"c","causation_id":null,"payload":{"order_id":1,"item":"x"}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_events_are_dead_lettered_and_the_saga_carries_on() {
    let saga = EmbeddedSaga::start(EmbeddedOptions::default())
        .await
        .unwrap();
    let bad = [
        garbage(Topic::Orders, b"\xff\xfe not json"),
        garbage(Topic::Orders, INVALID_ENVELOPE),
        garbage(Topic::Payments, b"{\"half\":"),
        garbage(Topic::Payments, INVALID_ENVELOPE),
    ];
    saga.backends.bus.append(&bad);
    let client = SagaClient::new(&format!("http://{}", saga.gateway));
    let acks = place_orders(&client, 20, 4).await;
    for ack in &acks {
        client
            .wait_terminal(ack.order_id.get(), Duration::from_secs(30))
            .await
            .unwrap();
    }
    let backends = saga.backends.clone();
    let violations = quiesced(|| backends.snapshot(acks.clone()), Duration::from_secs(10)).await;
    assert!(violations.is_empty(), "{violations:?}");

    let records = saga.backends.bus.snapshot().records;
    let rejected = |dlq: Topic| -> Vec<(String, Vec<u8>)> {
        records
            .iter()
            .filter(|r| r.topic == dlq)
            .map(|r| {
                match decode(&r.payload)
                    .expect("DLQ records are valid envelopes")
                    .body
                {
                    EventBody::EventRejected(rejection) => {
                        assert!(!rejection.reason.is_empty());
                        (rejection.rejected_by.group, rejection.original.bytes)
                    }
                    other => panic!("expected EVENT_REJECTED, got {other:?}"),
                }
            })
            .collect()
    };
    // Two consumer groups read `orders` (payment and delivery), so each bad record there is
    // dead-lettered once by each, naming it; only the order-status worker reads `payments`.
    let mut orders_dlq = rejected(Topic::OrdersDlq);
    orders_dlq.sort();
    let mut expected = Vec::new();
    for group in ["delivery-worker", "payment-worker"] {
        for bad in &bad[..2] {
            expected.push((group.to_owned(), bad.payload.clone()));
        }
    }
    expected.sort();
    assert_eq!(orders_dlq, expected);
    let mut payments_dlq = rejected(Topic::PaymentsDlq);
    payments_dlq.sort();
    let mut expected: Vec<_> = bad[2..]
        .iter()
        .map(|b| ("order-status-worker".to_owned(), b.payload.clone()))
        .collect();
    expected.sort();
    assert_eq!(payments_dlq, expected);
    saga.shutdown().await;
}
