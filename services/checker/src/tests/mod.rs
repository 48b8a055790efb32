//! Checker tests: a healthy run passes, and each property fires on the state that breaks it.

use time::macros::datetime;

use super::*;
use saga_core::PaymentDecision;
use saga_core::event::{
    Envelope, EventBody, Original, RejectedBy, Rejection, RejectionCode, RejectionSource,
};
use saga_core::ports::DeliveryAssignment;
use saga_core::snapshot::{
    Acknowledged, GroupOffsets, Interference, Lost, OutboxRow, ReusedOffsets, StatusChange,
    TopicRecord,
};
use saga_core::topic::Topic;
use saga_core::{CorrelationId, EventId, IdempotencyKey, Item, Order, OrderId, OrderStatus};

const AT: time::OffsetDateTime = datetime!(2026-01-01 00:00 UTC);

mod causes;
mod dead_letters;
mod interference;
mod replays;
mod trace;

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
        trace: None,
    }
}

/// Appends `envelope` to `payments` partition 0 and has every group commit past it.
fn push_payment(s: &mut SystemSnapshot, envelope: &Envelope) {
    let end = s.bus.end_offsets.entry((Topic::Payments, 0)).or_default();
    let offset = *end;
    *end += 1;
    s.bus
        .records
        .push(record(Topic::Payments, offset, envelope));
    for g in &mut s.bus.groups {
        if let Some(c) = g.committed.get_mut(&(Topic::Payments, 0)) {
            *c = offset + 1;
        }
    }
}

/// The group that reads `topic` and applies what it holds to the order store or Redis.
fn reader(topic: Topic) -> &'static str {
    match topic {
        Topic::Payments => saga_core::topic::STATUS_GROUP,
        _ => "payment-worker",
    }
}

/// `group`'s rejection of `original`, read at `topic`/0@`offset`.
fn rejection_by(group: &str, topic: Topic, offset: u64, original: Vec<u8>) -> Envelope {
    let rejection = Rejection {
        code: RejectionCode::Undecodable,
        reason: "test".into(),
        source: RejectionSource {
            topic,
            partition: 0,
            offset,
            key: None,
            correlation_id: None,
        },
        rejected_by: RejectedBy {
            group: group.into(),
            component: group.into(),
        },
        attempts: 1,
        original: Original::whole(original),
        replay_count: 0,
    };
    Envelope::rejected(EventId::from_random_bits(5), AT, rejection)
}

/// A rejection of `original`, read at `topic`/0@`offset` by the group that reads it, as a DLQ
/// record at `dlq_offset`.
fn rejection(topic: Topic, offset: u64, original: Vec<u8>, dlq_offset: u64) -> TopicRecord {
    let envelope = rejection_by(reader(topic), topic, offset, original);
    record(topic.dlq(), dlq_offset, &envelope)
}

fn record(topic: Topic, offset: u64, envelope: &Envelope) -> TopicRecord {
    TopicRecord {
        topic,
        partition: 0,
        offset,
        key: envelope.order_id().map(OrderId::key),
        payload: envelope.to_bytes(),
        timestamp: None,
        trace: None,
        replay: None,
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
            trace: None,
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
        s.store.status_changes.push(StatusChange {
            order_id: id(n),
            from: OrderStatus::Pending,
            to: decision.terminal_status(),
            event_id: paid.event_id,
            at: AT,
        });
        s.decisions.push((created.event_id, decision));
        if decision == PaymentDecision::Success {
            s.deliveries.push(DeliveryAssignment {
                order_id: id(n),
                payment_event_id: paid.event_id,
                assigned_at: AT,
                trace: None,
            });
        }
        s.bus
            .records
            .push(record(Topic::Orders, offset as u64, &created));
        s.bus
            .records
            .push(record(Topic::Payments, offset as u64, &paid));
    }
    // Order 1's ORDER_COMPLETED, written with its status change, drove its delivery.
    let completed = Envelope::order_completed(
        EventId::from_random_bits(11),
        AT,
        CorrelationId::parse("c").unwrap(),
        id(1),
        payment(1, PaymentDecision::Success).event_id,
    );
    s.store.outbox.push(OutboxRow {
        event_id: completed.event_id,
        order_id: Some(id(1)),
        published: true,
        order_created: false,
    });
    s.bus.records.push(record(Topic::Orders, 2, &completed));
    s.bus.end_offsets.insert((Topic::Orders, 0), 3);
    s.bus.end_offsets.insert((Topic::Payments, 0), 2);
    for (group, topic) in saga_core::topic::CONSUMER_GROUPS {
        let mut offsets = GroupOffsets {
            group: group.into(),
            ..Default::default()
        };
        let end = s.bus.end_offsets[&(topic, 0)];
        offsets.committed.insert((topic, 0), end);
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
        trace: None,
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
        event_id: payment(1, PaymentDecision::Success).event_id,
        at: AT,
    };
    s.store.status_changes.push(again);
    assert_eq!(properties(&s), vec![Property::StatusChangesOnce]);
}

#[test]
fn disagreeing_payment_events() {
    let mut s = healthy();
    let mut contrary = payment(1, PaymentDecision::Failed);
    contrary.event_id = EventId::from_random_bits(77);
    push_payment(&mut s, &contrary);
    s.store.processed_events.push(contrary.event_id);
    let dlq = rejection(Topic::Payments, 2, contrary.to_bytes(), 0);
    s.bus.records.push(dlq);
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
        trace: None,
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

#[test]
fn applicable_event_in_dlq_but_garbage_is_fine() {
    let mut s = healthy();
    s.bus
        .records
        .push(rejection(Topic::Payments, 0, b"not json".to_vec(), 0));
    assert_eq!(check(&s, Scope::SafetyAndLiveness), vec![]);

    let valid = payment(1, PaymentDecision::Success).to_bytes();
    s.bus.records.push(rejection(Topic::Payments, 0, valid, 1));
    assert_eq!(properties(&s), vec![Property::NoApplicableEventInDlq]);
}

#[test]
fn liveness_only_when_asked() {
    let mut s = healthy();
    s.store.orders[0].status = OrderStatus::Pending;
    s.store.status_changes.clear();
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
    assert!(found.contains(&Property::NoValidEventDropped), "{found:?}");
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
