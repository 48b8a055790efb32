//! Effects tied to their causes: every status change and every delivery names the event that
//! caused it, and that event is the saga's own answer to the order's ORDER_CREATED. A status
//! flipped by a forged or foreign event, or a courier sent for someone else's payment, fails
//! here even when the final state looks right.

use saga_core::snapshot::SystemSnapshot;
use saga_core::{EventId, OrderId, PaymentDecision};

use crate::index::Index;
use crate::{Property, Violation};

/// What is wrong with `event` as the cause of an effect on `order` that needs `wanted`
/// (`None`: any outcome), if anything.
fn cause_problem(
    s: &SystemSnapshot,
    index: &Index<'_>,
    order: OrderId,
    event: EventId,
    wanted: Option<PaymentDecision>,
) -> Option<String> {
    let Some(&(for_order, decision, causation)) = index.payment_by_id.get(&event) else {
        return (!s.interference.record_may_be_gone(event))
            .then(|| format!("event {event} is not a payment event on the payments topic"));
    };
    if for_order != order {
        return Some(format!("event {event} is a payment for order {for_order}"));
    }
    let source = index.source_event(order);
    if causation.is_none() || causation != source {
        return Some(format!(
            "event {event} is caused by {}, not by the order's ORDER_CREATED {}",
            causation.map_or_else(|| "nothing".to_owned(), |c| c.to_string()),
            source.map_or_else(|| "(unknown)".to_owned(), |c| c.to_string()),
        ));
    }
    match wanted {
        Some(w) if w != decision => Some(format!(
            "event {event} is PAYMENT_{}, not PAYMENT_{}",
            decision.as_str(),
            w.as_str()
        )),
        _ => None,
    }
}

/// Each status change names a processed payment event for the order, caused by its
/// ORDER_CREATED, whose outcome is the new status.
pub(super) fn status_change_tied_to_payment(
    s: &SystemSnapshot,
    index: &Index<'_>,
    found: &mut Vec<Violation>,
) {
    for change in &s.store.status_changes {
        let wanted = [PaymentDecision::Success, PaymentDecision::Failed]
            .into_iter()
            .find(|d| d.terminal_status() == change.to);
        let mut problem = cause_problem(s, index, change.order_id, change.event_id, wanted);
        if problem.is_none() && !index.processed.contains(&change.event_id) {
            problem = Some(format!(
                "event {} has no processed_events record",
                change.event_id
            ));
        }
        if let Some(detail) = problem {
            found.push(Violation::new(
                Property::StatusChangeTiedToPayment,
                Some(change.order_id),
                format!("status change {} -> {}: {detail}", change.from, change.to),
            ));
        }
    }
}

/// Each delivery names a PAYMENT_SUCCESS for its order, caused by the order's ORDER_CREATED.
pub(super) fn delivery_tied_to_success(
    s: &SystemSnapshot,
    index: &Index<'_>,
    found: &mut Vec<Violation>,
) {
    for delivery in &s.deliveries {
        let order = delivery.order_id;
        let event = delivery.payment_event_id;
        if let Some(detail) = cause_problem(s, index, order, event, Some(PaymentDecision::Success))
        {
            found.push(Violation::new(
                Property::DeliveryTiedToSuccess,
                Some(order),
                format!("delivery: {detail}"),
            ));
        }
    }
}
