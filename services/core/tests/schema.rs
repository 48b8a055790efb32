//! Envelope schemas: V2 only adds (`traceparent`), every release reads both, and a reader
//! configured as its predecessor refuses V2 as undecodable, which is why writers switch last.

use saga_core::event::{DecodeError, Schema, decode, decode_up_to};
use saga_core::{
    CorrelationId, Envelope, EventBody, EventId, OrderId, PaymentDecision, TraceParent,
};
use serde_json::{Value, json};
use time::macros::datetime;

fn trace() -> TraceParent {
    TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap()
}

fn payment(trace: Option<TraceParent>) -> Envelope {
    Envelope {
        event_id: EventId::from_random_bits(2),
        occurred_at: datetime!(2026-03-04 05:06:07.123 UTC),
        correlation_id: CorrelationId::parse("req-42").unwrap(),
        causation_id: Some(EventId::from_random_bits(1)),
        body: EventBody::Payment {
            order_id: OrderId::new(7).unwrap(),
            decision: PaymentDecision::Success,
        },
        trace,
    }
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

fn decode_value(value: &Value, newest: Schema) -> Result<Envelope, DecodeError> {
    decode_up_to(&serde_json::to_vec(value).unwrap(), newest)
}

#[test]
fn v2_carries_the_trace_in_the_bytes_and_round_trips() {
    for trace in [Some(trace()), None] {
        let envelope = payment(trace);
        let bytes = envelope.encode(Schema::V2);
        let v = json_of(&bytes);
        assert_eq!(v["schema_version"], 2);
        assert_eq!(v["traceparent"], json!(trace.map(|t| t.to_string())));
        assert_eq!(decode(&bytes), Ok(envelope));
    }
}

#[test]
fn v1_keeps_the_trace_beside_the_bytes() {
    let bytes = payment(Some(trace())).encode(Schema::V1);
    assert_eq!(bytes, payment(Some(trace())).to_bytes());
    let v = json_of(&bytes);
    assert_eq!(v["schema_version"], 1);
    assert!(v.get("traceparent").is_none());
    assert_eq!(decode(&bytes), Ok(payment(None)));
}

#[test]
fn a_reader_configured_as_its_predecessor_refuses_v2_and_reads_v1() {
    let v2 = payment(Some(trace())).encode(Schema::V2);
    assert_eq!(
        decode_up_to(&v2, Schema::V1),
        Err(DecodeError::UnsupportedVersion("2".into()))
    );
    let v1 = payment(Some(trace())).to_bytes();
    assert_eq!(decode_up_to(&v1, Schema::V1), Ok(payment(None)));
}

#[test]
fn each_schema_holds_exactly_its_own_fields() {
    use DecodeError::*;
    let mut v1 = json_of(&payment(None).to_bytes());
    v1["traceparent"] = Value::Null;
    assert_eq!(
        decode_value(&v1, Schema::NEWEST),
        Err(UnknownField("traceparent".into()))
    );
    let mut v2 = json_of(&payment(None).encode(Schema::V2));
    v2.as_object_mut().unwrap().remove("traceparent");
    assert_eq!(
        decode_value(&v2, Schema::NEWEST),
        Err(MissingField("traceparent".into()))
    );
    v2["traceparent"] = json!("00-not-a-trace");
    assert!(matches!(
        decode_value(&v2, Schema::NEWEST),
        Err(InvalidField { field, .. }) if field == "traceparent"
    ));
}

#[test]
fn writers_write_the_oldest_schema_unless_told() {
    assert_eq!(Schema::default_write(), Schema::V1);
    assert_eq!(Schema::NEWEST, *Schema::ALL.last().unwrap());
    for schema in Schema::ALL {
        assert_eq!(Schema::from_number(schema.number()), Some(schema));
    }
    assert_eq!(Schema::from_number(0), None);
}
