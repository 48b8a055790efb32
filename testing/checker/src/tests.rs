//! Checker tests: a healthy run passes, and each property fires on the state that breaks it.

use time::macros::datetime;

use super::*;
use saga_core::PaymentDecision;
use saga_core::event::{
    Envelope, EventBody, Original, RejectedBy, Rejection, RejectionCode, RejectionSource,
};
use saga_core::ports::DeliveryAssignment;
use saga_core::snapshot::{Acknowledged, GroupOffsets, OutboxRow, StatusChange, TopicRecord};
use saga_core::topic::Topic;
use saga_core::{CorrelationId, EventId, IdempotencyKey, Item, Order, OrderId, OrderStatus};

const AT: time::OffsetDateTime = datetime!(2026-01-01 00:00 UTC);

fn id(n: i64) -> OrderId {
    OrderId::new(n).unwrap()
}

fn created_event(n: i64) -> EventId {
    EventId::from_random_bits(n as u128)
}

fn payment(order: i64, decision: PaymentDecision) -> Envelope {
    let source = created_event(order);
    Envelope {
        event_id: source.derive("payment"),
        occurred_at: AT,
        correlation_id: CorrelationId::parse("c").unwrap(),
        causation_id: Some(source),
        body: EventBody::Payment {
            order_id: id(order),
            decision,
        },
    }
}

fn record(topic: Topic, offset: u64, envelope: &Envelope) -> TopicRecord {
    TopicRecord {
        topic,
        partition: 0,
        offset,
        key: envelope.order_id().map(OrderId::key),
        payload: envelope.to_bytes(),
        timestamp: None,
    }
}

/// A finished run with order 1 COMPLETED and order 2 CANCELLED, everything consistent.
fn healthy() -> SystemSnapshot {
    let mut s = SystemSnapshot::default();
    let outcomes = [(1, PaymentDecision::Success), (2, PaymentDecision::Failed)];
    for (offset, (n, decision)) in outcomes.into_iter().enumerate() {
        let created = Envelope::order_created(
            created_event(n),
            AT,
            CorrelationId::parse("c").unwrap(),
            id(n),
            Item::parse("tea").unwrap(),
        );
        let paid = payment(n, decision);
        s.acknowledged.push(Acknowledged {
            order_id: id(n),
            idempotency_key: None,
        });
        s.store.orders.push(Order {
            id: id(n),
            item: Item::parse("tea").unwrap(),
            status: decision.terminal_status(),
            correlation_id: CorrelationId::parse("c").unwrap(),
            idempotency_key: IdempotencyKey::parse(&format!("k{n}")).ok(),
            owner: None,
            created_at: AT,
            updated_at: AT,
        });
        s.store.outbox.push(OutboxRow {
            event_id: created.event_id,
            order_id: Some(id(n)),
            published: true,
            order_created: true,
        });
        s.store.processed_events.push(paid.event_id);
        s.store
            .status_changes
            .get_or_insert_with(Vec::new)
            .push(StatusChange {
                order_id: id(n),
                from: OrderStatus::Pending,
                to: decision.terminal_status(),
                event_id: paid.event_id,
            });
        s.decisions.push((created.event_id, decision));
        if decision == PaymentDecision::Success {
            s.deliveries.push(DeliveryAssignment {
                order_id: id(n),
                payment_event_id: paid.event_id,
                assigned_at: AT,
            });
        }
        s.bus
            .records
            .push(record(Topic::Orders, offset as u64, &created));
        s.bus
            .records
            .push(record(Topic::Payments, offset as u64, &paid));
    }
    s.bus.end_offsets.insert((Topic::Orders, 0), 2);
    s.bus.end_offsets.insert((Topic::Payments, 0), 2);
    for (group, topic) in saga_core::topic::CONSUMER_GROUPS {
        let mut offsets = GroupOffsets {
            group: group.into(),
            ..Default::default()
        };
        offsets.committed.insert((topic, 0), 2);
        s.bus.groups.push(offsets);
    }
    s
}

fn properties(s: &SystemSnapshot) -> Vec<Property> {
    let mut found: Vec<_> = check(s, Scope::SafetyAndLiveness)
        .iter()
        .map(|v| v.property)
        .collect();
    found.dedup();
    found
}

#[test]
fn a_consistent_system_has_no_violations() {
    assert_eq!(check(&healthy(), Scope::SafetyAndLiveness), vec![]);
}

#[test]
fn lost_acknowledged_order() {
    let mut s = healthy();
    s.acknowledged.push(Acknowledged {
        order_id: id(9),
        idempotency_key: None,
    });
    assert_eq!(properties(&s), vec![Property::AcknowledgedOrderExists]);
}

#[test]
fn second_status_change() {
    let mut s = healthy();
    let again = StatusChange {
        order_id: id(1),
        from: OrderStatus::Completed,
        to: OrderStatus::Completed,
        event_id: created_event(1),
    };
    s.store.status_changes.as_mut().unwrap().push(again);
    assert_eq!(properties(&s), vec![Property::StatusChangesOnce]);
}

#[test]
fn disagreeing_payment_events() {
    let mut s = healthy();
    let mut contrary = payment(1, PaymentDecision::Failed);
    contrary.event_id = EventId::from_random_bits(77);
    s.bus.records.push(record(Topic::Payments, 2, &contrary));
    s.store.processed_events.push(contrary.event_id);
    s.bus.end_offsets.insert((Topic::Payments, 0), 3);
    s.bus.groups.iter_mut().for_each(|g| {
        g.committed
            .entry((Topic::Payments, 0))
            .and_modify(|c| *c = 3);
    });
    assert_eq!(properties(&s), vec![Property::PaymentEventsAgree]);
}

#[test]
fn status_against_decision() {
    let mut s = healthy();
    s.decisions[0].1 = PaymentDecision::Failed;
    let found = properties(&s);
    assert!(
        found.contains(&Property::StatusMatchesDecision),
        "{found:?}"
    );
}

#[test]
fn duplicate_and_unpaid_deliveries() {
    let mut s = healthy();
    s.deliveries.push(s.deliveries[0].clone());
    assert_eq!(properties(&s), vec![Property::DeliveryAtMostOnce]);

    let mut s = healthy();
    s.deliveries.push(DeliveryAssignment {
        order_id: id(2),
        payment_event_id: created_event(5),
        assigned_at: AT,
    });
    let found = properties(&s);
    assert!(
        found.contains(&Property::DeliveryOnlyWhenCompleted),
        "{found:?}"
    );
    assert!(
        found.contains(&Property::CompletedOrderDelivered),
        "{found:?}"
    );
}

#[test]
fn one_key_two_orders() {
    let mut s = healthy();
    s.store.orders[1].idempotency_key = s.store.orders[0].idempotency_key.clone();
    assert_eq!(properties(&s), vec![Property::IdempotencyKeyOneOrder]);
}

fn reject_as(code: RejectionCode, original: Vec<u8>) -> Envelope {
    let rejection = Rejection {
        code,
        reason: "test".into(),
        source: RejectionSource {
            topic: Topic::Payments,
            partition: 0,
            offset: 0,
            key: None,
            correlation_id: None,
        },
        rejected_by: RejectedBy {
            group: "order-status-worker".into(),
            component: "order-status-worker".into(),
        },
        attempts: 1,
        original: Original::whole(original),
        replay_count: 0,
    };
    Envelope::rejected(EventId::from_random_bits(5), AT, rejection)
}

#[test]
fn an_unprocessable_payment_may_be_dead_lettered_only_when_it_is() {
    // A payment for an order that does not exist: dead-lettered, and not "unprocessed".
    let mut s = healthy();
    let ghost = payment(9, PaymentDecision::Success);
    s.bus.records.push(record(Topic::Payments, 2, &ghost));
    s.bus.end_offsets.insert((Topic::Payments, 0), 3);
    for g in &mut s.bus.groups {
        if g.group == "order-status-worker" {
            g.committed.insert((Topic::Payments, 0), 3);
        }
    }
    assert!(properties(&s).contains(&Property::PaymentEventProcessed));
    let dlq = reject_as(RejectionCode::UnknownOrder, ghost.to_bytes());
    s.bus.records.push(record(Topic::PaymentsDlq, 0, &dlq));
    assert_eq!(check(&s, Scope::SafetyAndLiveness), vec![]);
    // Claiming "unknown order" for an order that exists is dropping a valid event.
    let lie = reject_as(
        RejectionCode::UnknownOrder,
        payment(1, PaymentDecision::Success).to_bytes(),
    );
    s.bus.records.push(record(Topic::PaymentsDlq, 1, &lie));
    assert_eq!(properties(&s), vec![Property::NoValidEventInDlq]);
}

#[test]
fn valid_event_in_dlq_but_garbage_is_fine() {
    let reject = |original: Vec<u8>| reject_as(RejectionCode::Undecodable, original);
    let mut s = healthy();
    s.bus
        .records
        .push(record(Topic::PaymentsDlq, 0, &reject(b"not json".to_vec())));
    assert_eq!(check(&s, Scope::SafetyAndLiveness), vec![]);

    let valid = payment(1, PaymentDecision::Success).to_bytes();
    s.bus
        .records
        .push(record(Topic::PaymentsDlq, 1, &reject(valid)));
    assert_eq!(properties(&s), vec![Property::NoValidEventInDlq]);
}

#[test]
fn liveness_only_when_asked() {
    let mut s = healthy();
    s.store.orders[0].status = OrderStatus::Pending;
    s.store.status_changes = None;
    s.store.outbox[0].published = false;
    assert_eq!(check(&s, Scope::Safety), vec![]);
    let found = properties(&s);
    for p in [
        Property::OrderTerminal,
        Property::OutboxDrained,
        Property::CompletedOrderDelivered,
    ] {
        assert!(found.contains(&p), "{p} missing from {found:?}");
    }
}

#[test]
fn lag_and_unprocessed_events() {
    let mut s = healthy();
    s.bus.groups[1].committed.insert((Topic::Payments, 0), 1);
    s.store.processed_events.clear();
    let found = properties(&s);
    assert!(found.contains(&Property::NoConsumerLag), "{found:?}");
    assert!(
        found.contains(&Property::PaymentEventProcessed),
        "{found:?}"
    );
}

#[test]
fn violations_carry_the_order_history() {
    let mut s = healthy();
    s.deliveries.push(s.deliveries[0].clone());
    let violation = &check(&s, Scope::Safety)[0];
    let history = violation.history.join("\n");
    assert!(history.contains("order-api: order 1"), "{history}");
    assert!(history.contains("PAYMENT_SUCCESS"), "{history}");
    assert!(history.contains("delivery: assigned"), "{history}");
}
