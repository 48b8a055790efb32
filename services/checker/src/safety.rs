//! Safety properties: must hold at every instant, during faults too.

use std::collections::BTreeMap;

use saga_core::snapshot::SystemSnapshot;
use saga_core::{IdempotencyKey, OrderId, OrderStatus, PaymentDecision};

use crate::index::Index;
use crate::{Property, Violation};

pub(super) fn check(s: &SystemSnapshot, index: &Index<'_>) -> Vec<Violation> {
    let mut found = Vec::new();
    acknowledged_orders_exist(s, index, &mut found);
    status_changes_once(s, &mut found);
    super::causes::status_change_tied_to_payment(s, index, &mut found);
    payment_events_agree(s, index, &mut found);
    status_matches_decision(s, index, &mut found);
    deliveries(s, index, &mut found);
    super::causes::delivery_tied_to_success(s, index, &mut found);
    idempotency_keys(s, &mut found);
    super::trace::check(s, index, &mut found);
    super::replays::check(s, &mut found);
    found
}

/// Whether the decision store may have lost `order`'s decision (then the payment worker may
/// have made a second one, and the saga's own payment events may disagree).
fn decision_may_be_lost(s: &SystemSnapshot, index: &Index<'_>, order: OrderId) -> bool {
    index
        .source_event(order)
        .is_none_or(|source| s.interference.lost_decisions.may_include(source))
}

fn acknowledged_orders_exist(s: &SystemSnapshot, index: &Index<'_>, found: &mut Vec<Violation>) {
    for ack in &s.acknowledged {
        if !index.orders.contains_key(&ack.order_id) {
            found.push(Violation::new(
                Property::AcknowledgedOrderExists,
                Some(ack.order_id),
                "a client got 202 for this order but the order store has no such order".into(),
            ));
        }
    }
}

fn status_changes_once(s: &SystemSnapshot, found: &mut Vec<Violation>) {
    let changes = &s.store.status_changes;
    let mut per_order: BTreeMap<OrderId, usize> = BTreeMap::new();
    for change in changes {
        let count = per_order.entry(change.order_id).or_default();
        *count += 1;
        let legal = change.from == OrderStatus::Pending && change.to.is_terminal();
        if !legal || *count > 1 {
            found.push(Violation::new(
                Property::StatusChangesOnce,
                Some(change.order_id),
                format!(
                    "status change #{count} {} -> {} by event {}",
                    change.from, change.to, change.event_id
                ),
            ));
        }
    }
}

/// The payment events the saga made and accepted for one order agree: forged ones are not the
/// saga's, and one the order-status worker dead-lettered and did not record (contradicting
/// the applied one) was never applied — `no-applicable-event-in-dlq` judges that it could not have been.
fn payment_events_agree(s: &SystemSnapshot, index: &Index<'_>, found: &mut Vec<Violation>) {
    for (order, events) in &index.payments {
        if decision_may_be_lost(s, index, *order) && index.orders.contains_key(order) {
            continue;
        }
        let mut own = events.iter().filter(|e| {
            let refused =
                index.rejected_by_status(e.event_id) && !index.processed.contains(&e.event_id);
            !s.interference.forged.contains(&e.event_id) && !refused
        });
        let Some(first) = own.next() else { continue };
        if let Some(other) = own.find(|e| e.decision != first.decision) {
            found.push(Violation::new(
                Property::PaymentEventsAgree,
                Some(*order),
                format!(
                    "payment events disagree: {} says {}, {} says {}",
                    first.event_id,
                    first.decision.as_str(),
                    other.event_id,
                    other.decision.as_str()
                ),
            ));
        }
    }
}

fn status_matches_decision(s: &SystemSnapshot, index: &Index<'_>, found: &mut Vec<Violation>) {
    for (id, order) in &index.orders {
        if !order.status.is_terminal() || decision_may_be_lost(s, index, *id) {
            continue;
        }
        let problem = match index.decision(*id) {
            None => Some("order is terminal but no payment decision is stored".to_owned()),
            Some(d) if d.terminal_status() != order.status => Some(format!(
                "status {} but the stored decision is {}",
                order.status,
                d.as_str()
            )),
            Some(_) => None,
        };
        if let Some(detail) = problem {
            found.push(Violation::new(
                Property::StatusMatchesDecision,
                Some(*id),
                detail,
            ));
        }
    }
}

fn deliveries(s: &SystemSnapshot, index: &Index<'_>, found: &mut Vec<Violation>) {
    for (order, rows) in &index.deliveries {
        if rows.len() > 1 {
            found.push(Violation::new(
                Property::DeliveryAtMostOnce,
                Some(*order),
                format!("{} deliveries assigned", rows.len()),
            ));
        }
        // The delivery worker and the status worker read payments independently, so a
        // delivery may precede COMPLETED; it must never exist without a successful payment.
        let status = index.orders.get(order).map(|o| o.status);
        let paid = index.decision(*order) == Some(PaymentDecision::Success)
            || (status.is_some() && decision_may_be_lost(s, index, *order));
        let problem = match status {
            None => Some("delivery assigned to an order that does not exist".to_owned()),
            Some(OrderStatus::Cancelled) => Some("delivery assigned to a CANCELLED order".into()),
            Some(_) if !paid => Some("delivery assigned without a successful payment".into()),
            Some(_) => None,
        };
        if let Some(detail) = problem {
            found.push(Violation::new(
                Property::DeliveryOnlyWhenCompleted,
                Some(*order),
                detail,
            ));
        }
    }
}

fn idempotency_keys(s: &SystemSnapshot, found: &mut Vec<Violation>) {
    let mut by_key: BTreeMap<&IdempotencyKey, Vec<OrderId>> = BTreeMap::new();
    for order in &s.store.orders {
        if let Some(key) = &order.idempotency_key {
            by_key.entry(key).or_default().push(order.id);
        }
    }
    for ack in &s.acknowledged {
        if let Some(key) = &ack.idempotency_key {
            let ids = by_key.entry(key).or_default();
            if !ids.contains(&ack.order_id) {
                ids.push(ack.order_id);
            }
        }
    }
    for (key, ids) in by_key {
        if ids.len() > 1 {
            found.push(Violation::new(
                Property::IdempotencyKeyOneOrder,
                Some(ids[1]),
                format!("idempotency key {:?} maps to orders {ids:?}", key.as_str()),
            ));
        }
    }
}
