//! Envelope contract: valid envelopes round-trip, every malformed variant is rejected with a
//! precise error, and no byte sequence makes decoding panic.

use proptest::prelude::*;
use saga_core::event::{
    DecodeError, Original, RejectedBy, Rejection, RejectionCode, RejectionSource, Schema, decode,
};
use saga_core::{
    CorrelationId, Envelope, EventBody, EventId, EventType, Item, OrderId, PaymentDecision, Topic,
    TraceParent,
};
use serde_json::{Value, json};
use time::macros::datetime;

fn created() -> Envelope {
    Envelope::order_created(
        EventId::from_random_bits(1),
        datetime!(2026-03-04 05:06:07.123 UTC),
        CorrelationId::parse("req-42").unwrap(),
        OrderId::new(7).unwrap(),
        Item::parse("standard meal").unwrap(),
    )
}

fn paid(decision: PaymentDecision) -> Envelope {
    let source = created();
    Envelope {
        event_id: source.event_id.derive("payment"),
        occurred_at: source.occurred_at,
        correlation_id: source.correlation_id.clone(),
        causation_id: Some(source.event_id),
        body: EventBody::Payment {
            order_id: OrderId::new(7).unwrap(),
            decision,
        },
        trace: None,
    }
}

fn rejection(original: Vec<u8>) -> Rejection {
    Rejection {
        code: RejectionCode::Undecodable,
        reason: "not JSON".into(),
        source: RejectionSource {
            topic: Topic::Orders,
            partition: 2,
            offset: 9,
            key: Some("7".into()),
            correlation_id: CorrelationId::parse("req-42"),
        },
        rejected_by: RejectedBy {
            group: "payment-worker".into(),
            component: "payment-worker".into(),
        },
        attempts: 3,
        original: Original::whole(original),
        replay_count: 0,
    }
}

fn rejected() -> Envelope {
    Envelope::rejected(
        EventId::from_random_bits(3),
        created().occurred_at,
        rejection(vec![0xff, 0x00, b'{']),
    )
}

fn completed() -> Envelope {
    Envelope::order_completed(
        EventId::from_random_bits(4),
        created().occurred_at,
        CorrelationId::parse("req-42").unwrap(),
        OrderId::new(7).unwrap(),
        paid(PaymentDecision::Success).event_id,
    )
}

#[test]
fn a_rejection_always_fits_under_the_limit_truncated_and_marked() {
    let big = vec![b'x'; 900_000];
    let envelope = Envelope::rejected(
        EventId::from_random_bits(5),
        created().occurred_at,
        rejection(big.clone()),
    );
    assert!(
        envelope.to_bytes().len() > 1_000_000,
        "whole, it would not fit"
    );
    let bytes = envelope.encode_within(1_000_000, Schema::V1);
    assert!(bytes.len() <= 1_000_000 - saga_core::event::FRAMING_ALLOWANCE);
    let EventBody::EventRejected(kept) = decode(&bytes).unwrap().body else {
        panic!("a rejection");
    };
    assert!(kept.original.truncated);
    assert_eq!(kept.original.size, 900_000);
    assert_eq!(kept.original.sha256, saga_core::event::sha256_hex(&big));
    assert!(big.starts_with(&kept.original.bytes) && kept.original.bytes.len() > 700_000);
    assert_eq!(kept.rejected_by.group, "payment-worker");
    // A small one is kept whole.
    let small = rejected().encode_within(1_000_000, Schema::V1);
    assert_eq!(small, rejected().to_bytes());
}

fn json_of(envelope: &Envelope) -> Value {
    serde_json::from_slice(&envelope.to_bytes()).unwrap()
}

fn decode_value(value: &Value) -> Result<Envelope, DecodeError> {
    decode(&serde_json::to_vec(value).unwrap())
}

#[test]
fn every_event_type_round_trips() {
    for envelope in [
        created(),
        paid(PaymentDecision::Success),
        paid(PaymentDecision::Failed),
        completed(),
        rejected(),
    ] {
        assert_eq!(decode(&envelope.to_bytes()), Ok(envelope.clone()));
    }
}

#[test]
fn wire_shape_matches_the_design() {
    let v = json_of(&created());
    assert_eq!(v["event_type"], "ORDER_CREATED");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["occurred_at"], "2026-03-04T05:06:07.123Z");
    assert_eq!(v["correlation_id"], "req-42");
    assert_eq!(v["causation_id"], Value::Null);
    assert_eq!(
        v["payload"],
        json!({"order_id": 7, "item": "standard meal"})
    );
    let p = json_of(&paid(PaymentDecision::Failed));
    assert_eq!(p["event_type"], "PAYMENT_FAILED");
    assert_eq!(p["causation_id"], json!(created().event_id.to_string()));
    let r = json_of(&rejected());
    assert_eq!(r["payload"]["original"]["base64"], "/wB7");
    assert_eq!(r["payload"]["original"]["size"], 3);
    assert_eq!(r["payload"]["rejected_by"]["group"], "payment-worker");
    assert_eq!(r["payload"]["reason_code"], "undecodable");
    assert_eq!(r["payload"]["source"]["key"], "7");
    let c = json_of(&completed());
    assert_eq!(c["event_type"], "ORDER_COMPLETED");
    assert_eq!(c["payload"], json!({"order_id": 7}));
}

#[test]
fn encoding_is_deterministic() {
    assert_eq!(created().to_bytes(), created().to_bytes());
}

fn mutated(mutate: impl FnOnce(&mut Value)) -> Result<Envelope, DecodeError> {
    let mut v = json_of(&created());
    mutate(&mut v);
    decode_value(&v)
}

#[test]
fn malformed_envelopes_get_precise_errors() {
    use DecodeError::*;
    assert!(matches!(decode(b"\xff\xfe"), Err(NotJson(_))));
    assert!(matches!(decode(b""), Err(NotJson(_))));
    assert_eq!(decode(b"[1,2]"), Err(NotAnObject));
    assert_eq!(
        mutated(|v| drop(v.as_object_mut().unwrap().remove("event_id"))),
        Err(MissingField("event_id".into()))
    );
    assert_eq!(
        mutated(|v| v["extra"] = json!(1)),
        Err(UnknownField("extra".into()))
    );
    assert_eq!(
        mutated(|v| v["event_type"] = json!("ORDER_SHIPPED")),
        Err(UnknownEventType("ORDER_SHIPPED".into()))
    );
    assert_eq!(
        mutated(|v| v["schema_version"] = json!(3)),
        Err(UnsupportedVersion("3".into()))
    );
    assert_eq!(
        mutated(|v| v["schema_version"] = json!("1")),
        Err(UnsupportedVersion("\"1\"".into()))
    );
    let invalid = |r: Result<Envelope, DecodeError>, field: &str| match r {
        Err(InvalidField { field: f, .. }) => assert_eq!(f, field),
        other => panic!("expected invalid {field}, got {other:?}"),
    };
    invalid(mutated(|v| v["event_id"] = json!("not-a-uuid")), "event_id");
    invalid(
        mutated(|v| v["occurred_at"] = json!("yesterday")),
        "occurred_at",
    );
    invalid(mutated(|v| v["occurred_at"] = json!(12)), "occurred_at");
    invalid(
        mutated(|v| v["correlation_id"] = json!("has space")),
        "correlation_id",
    );
    invalid(mutated(|v| v["causation_id"] = json!(5)), "causation_id");
    invalid(mutated(|v| v["payload"] = json!([])), "payload");
    invalid(
        mutated(|v| v["payload"]["order_id"] = json!(0)),
        "payload.order_id",
    );
    invalid(
        mutated(|v| v["payload"]["order_id"] = json!("7")),
        "payload.order_id",
    );
    invalid(
        mutated(|v| v["payload"]["item"] = json!("")),
        "payload.item",
    );
    invalid(
        mutated(|v| v["payload"]["item"] = json!("x".repeat(201))),
        "payload.item",
    );
    assert_eq!(
        mutated(|v| drop(v["payload"].as_object_mut().unwrap().remove("item"))),
        Err(MissingField("payload.item".into()))
    );
    assert_eq!(
        mutated(|v| v["payload"]["price"] = json!(3)),
        Err(UnknownField("payload.price".into()))
    );
}

#[test]
fn payment_events_must_name_their_cause_and_match_shape() {
    let mut v = json_of(&paid(PaymentDecision::Success));
    v["causation_id"] = Value::Null;
    assert!(
        matches!(decode_value(&v), Err(DecodeError::InvalidField { field, .. }) if field == "causation_id")
    );
    let mut v = json_of(&paid(PaymentDecision::Success));
    v["payload"]["item"] = json!("tea");
    assert_eq!(
        decode_value(&v),
        Err(DecodeError::UnknownField("payload.item".into()))
    );
}

#[test]
fn event_type_names_are_stable() {
    let names: Vec<_> = EventType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(
        names,
        [
            "ORDER_CREATED",
            "PAYMENT_SUCCESS",
            "PAYMENT_FAILED",
            "ORDER_COMPLETED",
            "EVENT_REJECTED"
        ]
    );
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        // Either an envelope that re-encodes to something decoding to itself, or an error.
        if let Ok(envelope) = decode(&bytes) {
            prop_assert_eq!(decode(&envelope.to_bytes()), Ok(envelope));
        }
    }

    #[test]
    fn json_shaped_garbage_never_panics(
        event_type in prop_oneof![Just("ORDER_CREATED".to_owned()), Just("PAYMENT_SUCCESS".to_owned()), Just("EVENT_REJECTED".to_owned()), ".*"],
        order_id in any::<i64>(),
        item in ".{0,250}",
        version in any::<i64>(),
        drop_field in 0usize..8,
    ) {
        let mut v = json_of(&created());
        v["event_type"] = json!(event_type);
        v["schema_version"] = json!(version);
        v["payload"] = json!({"order_id": order_id, "item": item});
        let keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        if let Some(key) = keys.get(drop_field) {
            v.as_object_mut().unwrap().remove(key);
        }
        let _ = decode_value(&v);
    }

    #[test]
    fn valid_orders_round_trip(order_id in 1i64.., item in "[a-z ]{0,10}[a-z]{1,190}", corr in "[a-zA-Z0-9-]{1,64}", bits in any::<u128>()) {
        let envelope = Envelope::order_created(
            EventId::from_random_bits(bits),
            datetime!(2026-01-01 0:00 UTC),
            CorrelationId::parse(&corr).unwrap(),
            OrderId::new(order_id).unwrap(),
            Item::parse(item).unwrap(),
        );
        prop_assert_eq!(decode(&envelope.to_bytes()), Ok(envelope));
    }
}

proptest! {
    #[test]
    fn order_created_splits_around_any_id(
        id in 1..=i64::MAX,
        // Printable ASCII with at least one non-space: `Item::parse` rejects blank items.
        item in "[ -~]{0,20}[!-~][ -~]{0,19}",
        schema in prop_oneof![Just(Schema::V1), Just(Schema::V2)],
        traced in any::<bool>(),
    ) {
        let item = Item::parse(item).unwrap();
        let event_id = EventId::from_random_bits(3);
        let at = datetime!(2026-03-04 05:06:07.123 UTC);
        let correlation = CorrelationId::parse("req-9").unwrap();
        let trace = traced.then(|| {
            TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap()
        });
        let (prefix, suffix) = Envelope::order_created_around_id(
            event_id,
            at,
            correlation.clone(),
            item.clone(),
            trace,
            schema,
        );
        let whole = [prefix, id.to_string().into_bytes(), suffix].concat();
        let expected =
            Envelope::order_created(event_id, at, correlation, OrderId::new(id).unwrap(), item)
                .with_trace(trace);
        prop_assert_eq!(whole, expected.encode(schema));
    }
}

#[test]
fn order_created_split_ignores_look_alikes_in_the_item() {
    let item = Item::parse(format!("\"order_id\":{} {}", i64::MAX, i64::MAX)).unwrap();
    let (prefix, suffix) = Envelope::order_created_around_id(
        EventId::from_random_bits(4),
        datetime!(2026-03-04 05:06:07 UTC),
        CorrelationId::parse("req-1").unwrap(),
        item.clone(),
        None,
        Schema::V1,
    );
    let whole = [prefix, b"12".to_vec(), suffix].concat();
    let envelope = decode(&whole).unwrap();
    assert_eq!(
        envelope.body,
        EventBody::OrderCreated {
            order_id: OrderId::new(12).unwrap(),
            item
        }
    );
}
