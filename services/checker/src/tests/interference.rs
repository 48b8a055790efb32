//! What the harness did is not held against the saga, and only that.

use super::*;

#[test]
fn forged_events_are_not_the_sagas_own() {
    let mut s = healthy();
    let mut forged = payment(1, PaymentDecision::Failed);
    forged.event_id = EventId::from_random_bits(71);
    push_payment(&mut s, &forged);
    // Recorded (as if applied to a terminal order), so it counts as accepted.
    s.store.processed_events.push(forged.event_id);
    s.bus
        .records
        .push(rejection(Topic::Payments, 2, forged.to_bytes(), 0));
    assert_eq!(properties(&s), vec![Property::PaymentEventsAgree]);
    s.interference.forged.insert(forged.event_id);
    assert_eq!(check(&s, Scope::SafetyAndLiveness), vec![]);
}

#[test]
fn a_quarantined_order_may_stay_pending_but_not_be_delivered() {
    let mut s = healthy();
    s.store.orders[1].status = OrderStatus::Pending;
    s.store.status_changes.remove(1);
    s.store.processed_events.remove(1);
    let paid = payment(2, PaymentDecision::Failed);
    s.bus
        .records
        .push(rejection(Topic::Payments, 1, paid.to_bytes(), 0));
    let found = properties(&s);
    assert!(found.contains(&Property::OrderTerminal), "{found:?}");
    s.interference.quarantined.insert(id(2));
    assert_eq!(check(&s, Scope::SafetyAndLiveness), vec![]);
    s.deliveries.push(DeliveryAssignment {
        order_id: id(2),
        payment_event_id: paid.event_id,
        assigned_at: AT,
        trace: None,
    });
    let found = properties(&s);
    assert!(
        found.contains(&Property::DeliveryOnlyWhenCompleted),
        "{found:?}"
    );
}

#[test]
fn a_lost_decision_excuses_disagreement_but_not_a_second_status_change() {
    let mut s = healthy();
    s.decisions[0].1 = PaymentDecision::Failed;
    let mut second = payment(1, PaymentDecision::Failed);
    second.event_id = EventId::from_random_bits(81);
    push_payment(&mut s, &second);
    s.store.processed_events.push(second.event_id);
    s.bus
        .records
        .push(rejection(Topic::Payments, 2, second.to_bytes(), 0));
    let found = properties(&s);
    assert!(found.contains(&Property::PaymentEventsAgree), "{found:?}");
    assert!(
        found.contains(&Property::StatusMatchesDecision),
        "{found:?}"
    );
    s.interference.lost_decisions = Lost::These([created_event(1)].into_iter().collect());
    assert_eq!(check(&s, Scope::SafetyAndLiveness), vec![]);
    s.store.status_changes.push(StatusChange {
        order_id: id(1),
        from: OrderStatus::Completed,
        to: OrderStatus::Cancelled,
        event_id: second.event_id,
        at: AT,
    });
    assert_eq!(properties(&s), vec![Property::StatusChangesOnce]);
}

#[test]
fn reused_offsets_excuse_a_skipped_record_only() {
    let mut s = healthy();
    s.deliveries.clear();
    let found = properties(&s);
    assert!(found.contains(&Property::NoValidEventDropped), "{found:?}");
    s.interference.lost_events = Lost::These([EventId::from_random_bits(99)].into());
    // Order 1's ORDER_COMPLETED (orders/0@2) sits where the lost tail was written again.
    s.interference.reused_offsets.push(ReusedOffsets {
        topic: Topic::Orders,
        partition: 0,
        from: 2,
        to: 3,
    });
    assert_eq!(check(&s, Scope::SafetyAndLiveness), vec![]);
}

#[test]
fn broken_durability_excuses_a_skipped_record_but_not_the_missing_courier() {
    let mut s = healthy();
    s.deliveries.clear();
    // Order 1's ORDER_COMPLETED (orders/0@2) sits where an unclean election's lost tail was
    // written again: the delivery worker's commit past it is not its fault, the order's
    // missing courier still is the run's.
    s.interference
        .broken_durability
        .offsets
        .push(ReusedOffsets {
            topic: Topic::Orders,
            partition: 0,
            from: 2,
            to: 3,
        });
    assert_eq!(properties(&s), vec![Property::CompletedOrderDelivered]);
}
