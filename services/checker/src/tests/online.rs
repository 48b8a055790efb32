//! The online judge: each property it holds, reported once, and its bound.

use saga_core::{EventId, IdempotencyKey, OrderId, OrderStatus, PaymentDecision};

use crate::Property;
use crate::online::{Fact, Online};

fn order(n: i64) -> OrderId {
    OrderId::new(n).unwrap()
}

fn event(n: u128) -> EventId {
    EventId::from_random_bits(n)
}

fn created(n: i64) -> Fact {
    Fact::OrderCreated {
        order: order(n),
        key: None,
        source: event(n as u128),
    }
}

fn completed(n: i64, by: u128) -> Fact {
    Fact::StatusChanged {
        order: order(n),
        from: OrderStatus::Pending,
        to: OrderStatus::Completed,
        event: event(by),
    }
}

fn success(n: i64) -> Fact {
    Fact::Decided {
        source: event(n as u128),
        decision: PaymentDecision::Success,
    }
}

fn properties(found: &[crate::Violation]) -> Vec<Property> {
    found.iter().map(|v| v.property).collect()
}

#[test]
fn a_second_status_change_is_reported_once() {
    let mut online = Online::default();
    for fact in [created(1), success(1), completed(1, 100)] {
        assert!(online.observe(&fact).is_empty(), "{fact:?}");
    }
    let second = online.observe(&completed(1, 101));
    assert_eq!(properties(&second), [Property::StatusChangesOnce]);
    assert!(
        online.observe(&completed(1, 102)).is_empty(),
        "once per order"
    );
    assert_eq!(online.counts()[&Property::StatusChangesOnce], 1);
}

#[test]
fn a_delivery_for_an_order_without_a_successful_payment_is_reported() {
    let mut online = Online::default();
    online.observe(&created(2));
    online.observe(&Fact::Decided {
        source: event(2),
        decision: PaymentDecision::Failed,
    });
    let found = online.observe(&Fact::DeliveryAssigned { order: order(2) });
    assert_eq!(properties(&found), [Property::DeliveryOnlyWhenCompleted]);
    let again = online.observe(&Fact::DeliveryAssigned { order: order(2) });
    assert_eq!(properties(&again), [Property::DeliveryAtMostOnce]);
}

#[test]
fn a_status_change_by_a_payment_of_foreign_causation_is_reported_whichever_comes_first() {
    let foreign = Fact::PaymentPublished {
        order: order(3),
        event: event(300),
        decision: PaymentDecision::Success,
        cause: Some(event(999)),
    };
    for change_first in [true, false] {
        let mut online = Online::default();
        online.observe(&created(3));
        online.observe(&success(3));
        let mut found = Vec::new();
        if change_first {
            found.extend(online.observe(&completed(3, 300)));
            found.extend(online.observe(&foreign));
        } else {
            found.extend(online.observe(&foreign));
            found.extend(online.observe(&completed(3, 300)));
        }
        assert_eq!(properties(&found), [Property::StatusChangeTiedToPayment]);
    }
    let mut online = Online::default();
    online.observe(&created(4));
    online.observe(&success(4));
    let own = Fact::PaymentPublished {
        order: order(4),
        event: event(400),
        decision: PaymentDecision::Success,
        cause: Some(event(4)),
    };
    assert!(online.observe(&own).is_empty());
    assert!(online.observe(&completed(4, 400)).is_empty());
}

#[test]
fn payments_that_disagree_and_keys_on_two_orders_are_reported() {
    let mut online = Online::default();
    let key = IdempotencyKey::parse("k-1").unwrap();
    for n in [5, 6] {
        let fact = Fact::OrderCreated {
            order: order(n),
            key: Some(key.clone()),
            source: event(n as u128),
        };
        let found = online.observe(&fact);
        let expected: &[Property] = if n == 6 {
            &[Property::IdempotencyKeyOneOrder]
        } else {
            &[]
        };
        assert_eq!(properties(&found), expected);
    }
    let pay = |e: u128, decision| Fact::PaymentPublished {
        order: order(5),
        event: event(e),
        decision,
        cause: None,
    };
    assert!(
        online
            .observe(&pay(50, PaymentDecision::Success))
            .is_empty()
    );
    let found = online.observe(&pay(51, PaymentDecision::Failed));
    assert_eq!(properties(&found), [Property::PaymentEventsAgree]);
}

#[test]
fn memory_is_bounded_by_forgetting_the_oldest_orders() {
    let mut online = Online::with_capacity(100);
    for n in 1..=1_000 {
        online.observe(&created(n));
    }
    assert_eq!(online.tracked(), 100);
    // A fact about a forgotten order is not judged; a tracked one still is.
    assert!(online.observe(&completed(1, 1)).is_empty());
    online.observe(&success(1_000));
    online.observe(&completed(1_000, 7));
    let found = online.observe(&completed(1_000, 8));
    assert_eq!(properties(&found), [Property::StatusChangesOnce]);
}

#[test]
fn live_waits_for_the_decision_and_judges_a_courier_by_the_orders_status() {
    let mut online = Online::default().live();
    online.observe(&created(7));
    assert!(
        online.observe(&completed(7, 70)).is_empty(),
        "no decision yet: waits"
    );
    let found = online.observe(&Fact::Decided {
        source: event(7),
        decision: PaymentDecision::Failed,
    });
    assert_eq!(properties(&found), [Property::StatusMatchesDecision]);

    online.observe(&created(8));
    online.observe(&Fact::StatusChanged {
        order: order(8),
        from: OrderStatus::Pending,
        to: OrderStatus::Cancelled,
        event: event(80),
    });
    let found = online.observe(&Fact::DeliveryAssigned { order: order(8) });
    assert_eq!(properties(&found), [Property::DeliveryOnlyWhenCompleted]);
    online.observe(&created(9));
    online.observe(&completed(9, 90));
    assert!(
        online
            .observe(&Fact::DeliveryAssigned { order: order(9) })
            .is_empty()
    );
}

#[test]
fn a_payment_delivered_after_its_dedup_record_was_pruned_is_reported() {
    let mut online = Online::default();
    let delivered = |by| Fact::PaymentDelivered {
        order: order(1),
        event: event(by),
    };
    for fact in [created(1), success(1), completed(1, 100), delivered(100)] {
        assert!(online.observe(&fact).is_empty(), "{fact:?}");
    }
    let pruned = Fact::DedupPruned {
        events: vec![event(100)],
    };
    assert!(online.observe(&pruned).is_empty());
    assert!(
        online.observe(&delivered(101)).is_empty(),
        "another event's record was not pruned"
    );
    let late = online.observe(&delivered(100));
    assert_eq!(properties(&late), [Property::DedupOutlivesDelivery]);
}
