//! Safety properties: must hold at every instant, during faults too.

use std::collections::BTreeMap;

use crate::index::Index;
use crate::{Property, Violation};
use saga_core::event::{EventBody, EventType, RejectionCode, decode};
use saga_core::snapshot::SystemSnapshot;
use saga_core::topic::Topic;
use saga_core::{IdempotencyKey, OrderId, OrderStatus, PaymentDecision};

pub(super) fn check(s: &SystemSnapshot, index: &Index<'_>) -> Vec<Violation> {
    let mut found = Vec::new();
    acknowledged_orders_exist(s, index, &mut found);
    status_changes_once(s, &mut found);
    payment_events_agree(index, &mut found);
    status_matches_decision(index, &mut found);
    deliveries(index, &mut found);
    idempotency_keys(s, &mut found);
    dlq_holds_only_invalid(index, &mut found);
    found
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
    let Some(changes) = &s.store.status_changes else {
        return;
    };
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

/// The payment events the saga accepted for one order agree; one the order-status worker
/// dead-lettered (a forged or re-decided payment contradicting the applied one) was never
/// applied, and is judged by `no-valid-event-in-dlq` instead.
fn payment_events_agree(index: &Index<'_>, found: &mut Vec<Violation>) {
    for (order, events) in &index.payments {
        let mut accepted = events
            .iter()
            .filter(|e| !index.rejected_by_status(e.event_id));
        let Some(first) = accepted.next() else {
            continue;
        };
        if let Some(other) = accepted.find(|e| e.decision != first.decision) {
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

fn status_matches_decision(index: &Index<'_>, found: &mut Vec<Violation>) {
    for (id, order) in &index.orders {
        if !order.status.is_terminal() {
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

fn deliveries(index: &Index<'_>, found: &mut Vec<Violation>) {
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
        let cancelled = index
            .orders
            .get(order)
            .is_some_and(|o| o.status == OrderStatus::Cancelled);
        if cancelled || index.decision(*order) != Some(PaymentDecision::Success) {
            found.push(Violation::new(
                Property::DeliveryOnlyWhenCompleted,
                Some(*order),
                "delivery assigned without a successful payment".into(),
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

fn dlq_holds_only_invalid(index: &Index<'_>, found: &mut Vec<Violation>) {
    for (record, decoded) in &index.dlq {
        let place = format!("{}/{}@{}", record.topic, record.partition, record.offset);
        let rejection = match decoded {
            Ok(envelope) => match &envelope.body {
                EventBody::EventRejected(rejection) => rejection,
                _ => {
                    found.push(Violation::new(
                        Property::NoValidEventInDlq,
                        envelope.order_id(),
                        format!(
                            "{place} holds a {} instead of EVENT_REJECTED",
                            envelope.event_type().as_str()
                        ),
                    ));
                    continue;
                }
            },
            Err(e) => {
                found.push(Violation::new(
                    Property::NoValidEventInDlq,
                    None,
                    format!("{place} is not a valid EVENT_REJECTED envelope: {e}"),
                ));
                continue;
            }
        };
        let source = rejection.source.topic;
        let Ok(original) = decode(&rejection.original.bytes) else {
            continue;
        };
        let expected = match source {
            Topic::Orders => matches!(
                original.event_type(),
                EventType::OrderCreated | EventType::OrderCompleted
            ),
            Topic::Payments => matches!(
                original.event_type(),
                EventType::PaymentSuccess | EventType::PaymentFailed
            ),
            Topic::OrdersDlq | Topic::PaymentsDlq => false,
        };
        if !expected {
            continue;
        }
        // A valid event may be dead-lettered only as unprocessable, and only when it is.
        let unprocessable = match (rejection.code, &original.body) {
            (RejectionCode::UnknownOrder, body) => original.order_id().is_some_and(|id| {
                !index.orders.contains_key(&id) && matches!(body, EventBody::Payment { .. })
            }),
            (RejectionCode::ContradictsApplied, EventBody::Payment { order_id, decision }) => index
                .orders
                .get(order_id)
                .is_some_and(|o| o.status.is_terminal() && o.status != decision.terminal_status()),
            (RejectionCode::WrongCausation, EventBody::Payment { order_id, .. }) => {
                index.source_event(*order_id) != original.causation_id
            }
            _ => false,
        };
        if !unprocessable {
            found.push(Violation::new(
                Property::NoValidEventInDlq,
                original.order_id(),
                format!(
                    "{place} dead-lettered a valid {} ({}: {})",
                    original.event_type().as_str(),
                    rejection.code.as_str(),
                    rejection.reason
                ),
            ));
        }
    }
}
