//! Trace continuity, judged at the end and online: every record of an order and its courier's
//! row carry the trace its request started; a forged record is not the saga's to trace.

use saga_core::TraceParent;
use saga_core::domain::TraceId;

use super::*;
use crate::online::{Fact, Online};

/// Order `n`'s trace (a hop of it: what the records carry).
fn trace_of(n: i64) -> TraceParent {
    TraceParent::from_random_bits(0x7ace_0000 + n as u128, 99)
}

fn trace_id(n: i64) -> TraceId {
    trace_of(n).trace_id()
}

/// The healthy run with every request's trace known and carried everywhere.
fn traced() -> SystemSnapshot {
    let mut s = healthy();
    for ack in &mut s.acknowledged {
        ack.trace = Some(trace_id(ack.order_id.get()));
    }
    for record in &mut s.bus.records {
        let order = saga_core::event::decode(&record.payload)
            .unwrap()
            .order_id();
        record.trace = order.map(|o| trace_of(o.get()).child(7));
    }
    for delivery in &mut s.deliveries {
        delivery.trace = Some(trace_of(delivery.order_id.get()));
    }
    s
}

fn continuity(s: &SystemSnapshot) -> Vec<Violation> {
    let found = check(s, Scope::Safety);
    found
        .into_iter()
        .filter(|v| v.property == Property::TraceContinuity)
        .collect()
}

#[test]
fn a_run_that_carries_every_trace_passes() {
    assert!(continuity(&traced()).is_empty());
    // Orders whose client does not know its trace are not judged.
    assert!(continuity(&healthy()).is_empty());
}

#[test]
fn a_record_without_its_trace_or_in_another_is_reported_once_per_order() {
    let mut s = traced();
    s.bus.records[0].trace = None;
    s.bus.records[1].trace = Some(trace_of(2));
    let found = continuity(&s);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].order_id, Some(id(1)));
    assert!(
        found[0].detail.contains("orders/0@0"),
        "{}",
        found[0].detail
    );
    assert!(found[0].detail.contains("no trace"), "{}", found[0].detail);
}

#[test]
fn a_courier_row_in_another_trace_is_reported() {
    let mut s = traced();
    s.deliveries[0].trace = Some(trace_of(9));
    let found = continuity(&s);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].detail.contains("delivery row"),
        "{}",
        found[0].detail
    );
}

#[test]
fn a_rejection_of_an_orders_event_must_carry_its_trace_unless_forged() {
    let mut s = traced();
    let original = payment(1, PaymentDecision::Success);
    let mut dlq = rejection(Topic::Payments, 0, original.to_bytes(), 0);
    dlq.trace = None;
    s.bus.records.push(dlq);
    assert_eq!(continuity(&s).len(), 1);
    s.interference.forged.insert(original.event_id);
    assert!(continuity(&s).is_empty(), "{:?}", continuity(&s));
}

#[test]
fn online_records_before_the_acknowledgement_are_judged_when_it_comes() {
    let mut online = Online::default();
    let traced = |n: i64, event: u128, trace: Option<TraceId>| Fact::Traced {
        order: id(n),
        event: Some(EventId::from_random_bits(event)),
        what: "orders",
        trace,
    };
    online.observe(&Fact::OrderCreated {
        order: id(1),
        key: None,
        source: created_event(1),
    });
    assert!(online.observe(&traced(1, 1, None)).is_empty());
    let ack = Fact::Acknowledged {
        order: id(1),
        key: None,
        trace: Some(trace_id(1)),
    };
    let found = online.observe(&ack);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].property, Property::TraceContinuity);
    // Reported once per order; a forged record is excused.
    assert!(online.observe(&traced(1, 2, Some(trace_id(5)))).is_empty());
    online.observe(&Fact::OrderCreated {
        order: id(2),
        key: None,
        source: created_event(2),
    });
    online.observe(&Fact::Acknowledged {
        order: id(2),
        key: None,
        trace: Some(trace_id(2)),
    });
    assert!(online.observe(&traced(2, 3, Some(trace_id(2)))).is_empty());
    online.observe(&Fact::Forged {
        event: EventId::from_random_bits(4),
    });
    assert!(online.observe(&traced(2, 4, None)).is_empty());
    assert_eq!(online.observe(&traced(2, 5, None)).len(), 1);
}
