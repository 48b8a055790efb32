//! What the DLQs must and must not hold, and no valid event dropped.

use super::*;

#[test]
fn a_forged_payment_for_an_unknown_order_must_be_dead_lettered() {
    let mut s = healthy();
    let forged = payment(9, PaymentDecision::Success);
    push_payment(&mut s, &forged);
    let found = properties(&s);
    assert_eq!(found, vec![Property::UnprocessableEventDeadLettered]);
    s.bus
        .records
        .push(rejection(Topic::Payments, 2, forged.to_bytes(), 0));
    assert_eq!(check(&s, Scope::SafetyAndLiveness), vec![]);
}

#[test]
fn a_contradicting_payment_recorded_but_not_dead_lettered() {
    let mut s = healthy();
    let mut contrary = payment(2, PaymentDecision::Success);
    contrary.event_id = EventId::from_random_bits(51);
    push_payment(&mut s, &contrary);
    s.store.processed_events.push(contrary.event_id);
    s.interference.forged.insert(contrary.event_id);
    assert_eq!(
        properties(&s),
        vec![Property::UnprocessableEventDeadLettered]
    );
}

#[test]
fn a_duplicate_under_a_new_id_is_applicable_and_must_not_be_dead_lettered() {
    let mut s = healthy();
    let mut duplicate = payment(1, PaymentDecision::Success);
    duplicate.event_id = EventId::from_random_bits(61);
    push_payment(&mut s, &duplicate);
    s.store.processed_events.push(duplicate.event_id);
    assert_eq!(check(&s, Scope::SafetyAndLiveness), vec![]);
    s.bus
        .records
        .push(rejection(Topic::Payments, 2, duplicate.to_bytes(), 0));
    assert_eq!(properties(&s), vec![Property::NoApplicableEventInDlq]);
}

#[test]
fn an_order_created_consumed_without_a_decision_or_an_answer() {
    let mut s = healthy();
    s.decisions.clear();
    let found = properties(&s);
    assert!(found.contains(&Property::NoValidEventDropped), "{found:?}");

    let mut s = healthy();
    s.bus.records.retain(|r| {
        !(r.topic == Topic::Payments
            && saga_core::event::decode(&r.payload).unwrap().order_id() == Some(id(2)))
    });
    let found = properties(&s);
    assert!(found.contains(&Property::NoValidEventDropped), "{found:?}");
}

#[test]
fn a_success_consumed_by_delivery_without_a_delivery() {
    let mut s = healthy();
    s.deliveries.clear();
    let found = properties(&s);
    assert!(found.contains(&Property::NoValidEventDropped), "{found:?}");
    assert!(
        found.contains(&Property::CompletedOrderDelivered),
        "{found:?}"
    );
}

#[test]
fn a_rejection_in_the_dead_letter_table_counts_for_its_group_only() {
    let mut s = healthy();
    let forged = payment(9, PaymentDecision::Success);
    push_payment(&mut s, &forged);
    // Kept in the table by a group that does not read `payments`: still not dead-lettered by
    // the order-status worker, and the rejection names the wrong group.
    let wrong = rejection_by("delivery-worker", Topic::Payments, 2, forged.to_bytes());
    s.dead_letters.push(wrong);
    assert_eq!(
        properties(&s),
        vec![
            Property::RejectionNamesGroup,
            Property::UnprocessableEventDeadLettered
        ]
    );
    s.dead_letters.clear();
    let kept = rejection_by(
        reader(Topic::Payments),
        Topic::Payments,
        2,
        forged.to_bytes(),
    );
    s.dead_letters.push(kept);
    assert_eq!(check(&s, Scope::SafetyAndLiveness), vec![]);
}

#[test]
fn an_applicable_event_in_the_dead_letter_table_is_caught() {
    let mut s = healthy();
    let valid = payment(1, PaymentDecision::Success).to_bytes();
    let kept = rejection_by(reader(Topic::Payments), Topic::Payments, 1, valid);
    s.dead_letters.push(kept);
    assert_eq!(properties(&s), vec![Property::NoApplicableEventInDlq]);
}
