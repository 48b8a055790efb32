//! Status changes and deliveries tied to the saga's own payment events.

use super::*;

#[test]
fn a_status_change_by_a_foreign_or_unrecorded_event() {
    // Order 1 flipped by a payment whose causation is not its ORDER_CREATED.
    let mut s = healthy();
    let mut foreign = payment(1, PaymentDecision::Success);
    foreign.event_id = EventId::from_random_bits(41);
    foreign.causation_id = Some(EventId::from_random_bits(42));
    push_payment(&mut s, &foreign);
    s.store.processed_events.push(foreign.event_id);
    s.store.status_changes[0].event_id = foreign.event_id;
    s.bus
        .records
        .push(rejection(Topic::Payments, 2, foreign.to_bytes(), 0));
    assert_eq!(properties(&s), vec![Property::StatusChangeTiedToPayment]);

    // A change naming an event that is on no topic and was never processed.
    let mut s = healthy();
    s.store.status_changes[1].event_id = EventId::from_random_bits(43);
    assert_eq!(properties(&s), vec![Property::StatusChangeTiedToPayment]);

    // A change to COMPLETED by a PAYMENT_FAILED.
    let mut s = healthy();
    s.store.status_changes[1].to = OrderStatus::Completed;
    s.store.orders[1].status = OrderStatus::Completed;
    let found = properties(&s);
    assert!(
        found.contains(&Property::StatusChangeTiedToPayment),
        "{found:?}"
    );
}

#[test]
fn a_delivery_for_someone_elses_or_a_failed_payment() {
    let mut s = healthy();
    s.deliveries[0].payment_event_id = payment(2, PaymentDecision::Failed).event_id;
    assert_eq!(properties(&s), vec![Property::DeliveryTiedToSuccess]);
}

#[test]
fn a_lost_event_is_not_demanded_back() {
    let mut s = healthy();
    let paid = s.store.status_changes[0].event_id;
    s.bus.records.retain(|r| r.topic != Topic::Payments);
    s.bus.groups.iter_mut().for_each(|g| {
        g.committed.insert((Topic::Payments, 0), 0);
    });
    s.bus.end_offsets.insert((Topic::Payments, 0), 0);
    let found = properties(&s);
    assert!(
        found.contains(&Property::StatusChangeTiedToPayment),
        "{found:?}"
    );
    let paid_2 = s.store.status_changes[1].event_id;
    s.interference.lost_events = Lost::These([paid, paid_2].into());
    let found = properties(&s);
    assert_eq!(
        found,
        vec![Property::NoValidEventDropped],
        "answers lost too"
    );
    s.interference.lost_answers = Lost::These([created_event(1), created_event(2)].into());
    assert_eq!(properties(&s), vec![]);
    s.interference = Interference {
        lost_events: Lost::Unknown,
        lost_answers: Lost::Unknown,
        ..Interference::default()
    };
    assert_eq!(properties(&s), vec![]);
}
