//! One order's journey through the saga, step by step, from what the stores and topics hold:
//! accepted, committed with its outbox row, published, payment decided, each payment event
//! consumed, the status change, the delivery — with redeliveries, duplicates and the checker's
//! verdict.

use saga_core::{EventBody, Order, OrderId, OrderStatus};
use time::OffsetDateTime;

use super::facts::{Carried, Facts};
use crate::timeline::{Step, Tone};

/// The lanes of an order's journey, in the order the saga reaches them.
pub const LANES: [&str; 6] = [
    "gateway",
    "order-api",
    "outbox-relay",
    "payment-worker",
    "order-status-worker",
    "delivery-worker",
];

const PAYMENT_GROUP: &str = "payment-worker";
const STATUS_GROUP: &str = "order-status-worker";
const DELIVERY_GROUP: &str = "delivery-worker";

/// Whether the order keeps the saga's promises, as far as the snapshot shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No property is violated and the order is terminal.
    Holds,
    /// No property is violated yet; the order is still on its way.
    InFlight,
    /// The checker's findings, one line each.
    Violated(Vec<String>),
}

/// An order and its steps.
#[derive(Debug, Clone)]
pub struct Journey {
    pub order: Order,
    pub steps: Vec<Step>,
    pub verdict: Verdict,
    /// Since it was created.
    pub age: time::Duration,
    /// PENDING for longer than the stuck threshold.
    pub stuck: bool,
}

/// The journey of `id`, or `None` when the store has no such order.
pub fn of(
    facts: &Facts,
    id: OrderId,
    now: OffsetDateTime,
    stuck_after: time::Duration,
) -> Option<Journey> {
    let order = facts.orders.get(&id)?.clone();
    let mut steps = vec![accepted(&order), committed(facts, &order)];
    steps.extend(published(facts, &order));
    steps.extend(payments(facts, &order));
    steps.extend(status_changes(facts, &order));
    steps.extend(completion(facts, &order));
    steps.extend(delivery(facts, &order));
    for step in &mut steps {
        step.order = Some(id.get());
    }
    let stuck = order.status == OrderStatus::Pending && now - order.created_at > stuck_after;
    let violations = facts.violations_of(id);
    let verdict = if !violations.is_empty() {
        Verdict::Violated(
            violations
                .iter()
                .map(|v| format!("{}: {}", v.property, v.detail))
                .collect(),
        )
    } else if order.status.is_terminal() {
        Verdict::Holds
    } else {
        Verdict::InFlight
    };
    Some(Journey {
        age: now - order.created_at,
        order,
        steps,
        verdict,
        stuck,
    })
}

fn accepted(order: &Order) -> Step {
    let key = order
        .idempotency_key
        .as_ref()
        .map_or("none", |k| k.as_str());
    let owner = order.owner.as_ref().map_or_else(
        || "none (authentication off)".to_owned(),
        ToString::to_string,
    );
    Step::new(
        "gateway",
        Some(order.created_at),
        "Accepted by the gateway (202)",
    )
    .detail(format!("correlation id {}", order.correlation_id))
    .detail(format!("idempotency key {key}"))
    .detail(format!("API key {owner}"))
}

fn committed(facts: &Facts, order: &Order) -> Step {
    let what = format!(
        "order {} \u{201c}{}\u{201d}, one transaction",
        order.id, order.item
    );
    let mut step = Step::new(
        "order-api",
        Some(order.created_at),
        "Order and outbox row committed",
    )
    .detail(what);
    for row in facts.outbox.get(&order.id).into_iter().flatten() {
        let state = if row.published {
            "published"
        } else {
            "not yet published"
        };
        let kind = if row.order_created {
            "ORDER_CREATED"
        } else {
            "ORDER_COMPLETED"
        };
        step = step.detail(format!("outbox row: {kind} {} ({state})", row.event_id));
    }
    step
}

/// Every copy of the ORDER_CREATED on `orders`; the first is the publish, later ones are
/// redeliveries (a relay that crashed before marking, a producer retry, a re-drive).
fn published(facts: &Facts, order: &Order) -> Vec<Step> {
    let copies = facts.created.get(&order.id).map_or(&[][..], Vec::as_slice);
    if copies.is_empty() {
        let step = Step::new("outbox-relay", None, "Not published yet")
            .detail("no ORDER_CREATED for this order on the orders topic")
            .tone(Tone::Waiting);
        return vec![step];
    }
    copies
        .iter()
        .enumerate()
        .map(|(i, copy)| {
            let title = match i {
                0 => "Published".to_owned(),
                n => format!("Published again (redelivery {n})"),
            };
            let consumed = consumed(facts, PAYMENT_GROUP, copy);
            Step::new("outbox-relay", copy.timestamp, title)
                .detail(format!(
                    "ORDER_CREATED {} at {}",
                    copy.envelope.event_id,
                    copy.position()
                ))
                .detail(consumed)
                .tone(if i == 0 { Tone::Done } else { Tone::Note })
        })
        .collect()
}

fn consumed(facts: &Facts, group: &str, carried: &Carried) -> String {
    match facts.consumed_by(group, carried) {
        true => format!("consumed by {group} (offset committed)"),
        false => format!("not yet committed by {group}"),
    }
}

/// Each payment event: the decision (first, or the stored one replayed for a redelivered
/// ORDER_CREATED, or a duplicate append of the same event), then how the status worker took it.
fn payments(facts: &Facts, order: &Order) -> Vec<Step> {
    let events = facts.payments.get(&order.id).map_or(&[][..], Vec::as_slice);
    let source = facts.source_event(order.id);
    let stored = source.and_then(|s| facts.decisions.get(&s));
    if events.is_empty() {
        let mut step =
            Step::new("payment-worker", None, "Payment not decided yet").tone(Tone::Waiting);
        if let Some(decision) = stored {
            step = step.detail(format!(
                "decision store holds {} (event not on payments yet)",
                decision.as_str()
            ));
        }
        return vec![step];
    }
    let mut steps = Vec::new();
    let mut seen = Vec::new();
    for event in events {
        let EventBody::Payment { decision, .. } = event.envelope.body else {
            continue;
        };
        let named = decision.as_str();
        let id = event.envelope.event_id;
        let duplicate = seen.contains(&id);
        let title = if duplicate {
            format!("Payment {named} appended again (same event)")
        } else if seen.is_empty() {
            format!("Payment decided: {named} (first decision)")
        } else {
            format!("Payment decided: {named} (stored decision replayed)")
        };
        let mut step = Step::new(
            "payment-worker",
            event.timestamp.or(Some(event.envelope.occurred_at)),
            title,
        )
        .detail(format!("PAYMENT_{named} {id} at {}", event.position()))
        .tone(if seen.is_empty() {
            Tone::Done
        } else {
            Tone::Note
        });
        if event.envelope.causation_id != source {
            step = step
                .detail("caused by another event than the order's ORDER_CREATED")
                .tone(Tone::Bad);
        }
        if let Some(stored) = stored.filter(|s| **s != decision) {
            step = step
                .detail(format!(
                    "contradicts the stored decision {}",
                    stored.as_str()
                ))
                .tone(Tone::Bad);
        }
        steps.push(step);
        steps.push(applied(facts, order, event, duplicate));
        seen.push(id);
    }
    steps
}

/// How the order-status worker took one payment event.
fn applied(facts: &Facts, order: &Order, event: &Carried, duplicate: bool) -> Step {
    let id = event.envelope.event_id;
    let change = facts
        .changes
        .as_ref()
        .and_then(|c| c.get(&order.id))
        .and_then(|changes| changes.iter().find(|c| c.event_id == id));
    let lane = "order-status-worker";
    let step = if !facts.consumed_by(STATUS_GROUP, event) {
        Step::new(lane, None, "Payment event not consumed yet").tone(Tone::Waiting)
    } else if duplicate {
        Step::new(
            lane,
            None,
            "Consumed: deduplicated (event already processed)",
        )
        .tone(Tone::Note)
    } else if change.is_some() || (facts.changes.is_none() && applied_here(facts, order, event)) {
        // The change and its event are one transaction: the order's last update, unless the
        // history says otherwise (a second change is a violation shown on its own).
        Step::new(lane, Some(order.updated_at), "Consumed: applied")
    } else if facts.processed.contains(&id) {
        Step::new(lane, None, "Consumed: recorded, order already terminal").tone(Tone::Note)
    } else {
        Step::new(lane, None, "Consumed: not applied").tone(Tone::Note)
    };
    step.detail(format!("{} at {}", id, event.position()))
}

/// Without a status history: the first processed payment event of a terminal order is the one
/// that moved it.
fn applied_here(facts: &Facts, order: &Order, event: &Carried) -> bool {
    let events = facts.payments.get(&order.id).map_or(&[][..], Vec::as_slice);
    order.status.is_terminal()
        && events
            .iter()
            .find(|e| facts.processed.contains(&e.envelope.event_id))
            .is_some_and(|first| first.envelope.event_id == event.envelope.event_id)
}

fn status_changes(facts: &Facts, order: &Order) -> Vec<Step> {
    let lane = "order-status-worker";
    let Some(changes) = facts.changes.as_ref() else {
        if order.status.is_terminal() {
            let step = Step::new(
                lane,
                Some(order.updated_at),
                format!("Status PENDING \u{2192} {}", order.status),
            );
            return vec![
                step.detail("the store keeps no history: time is the order's last update"),
            ];
        }
        return vec![Step::new(lane, None, "Status PENDING").tone(Tone::Waiting)];
    };
    let changes = changes.get(&order.id).map_or(&[][..], Vec::as_slice);
    if changes.is_empty() {
        return vec![Step::new(lane, None, "Status PENDING").tone(Tone::Waiting)];
    }
    changes
        .iter()
        .enumerate()
        .map(|(i, change)| {
            let at = (i + 1 == changes.len()).then_some(order.updated_at);
            let step = Step::new(
                lane,
                at,
                format!("Status {} \u{2192} {}", change.from, change.to),
            )
            .detail(format!("by payment event {}", change.event_id));
            if i == 0 { step } else { step.tone(Tone::Bad) }
        })
        .collect()
}

/// The ORDER_COMPLETED the status change wrote to the outbox, as the relay published it: what
/// the delivery worker acts on.
fn completion(facts: &Facts, order: &Order) -> Vec<Step> {
    let copies = facts
        .completed
        .get(&order.id)
        .map_or(&[][..], Vec::as_slice);
    if copies.is_empty() {
        if order.status != OrderStatus::Completed {
            return Vec::new();
        }
        let step = Step::new("outbox-relay", None, "ORDER_COMPLETED not published yet");
        return vec![step.tone(Tone::Waiting)];
    }
    copies
        .iter()
        .enumerate()
        .map(|(i, copy)| {
            let title = match i {
                0 => "ORDER_COMPLETED published".to_owned(),
                n => format!("ORDER_COMPLETED published again (redelivery {n})"),
            };
            Step::new("outbox-relay", copy.timestamp, title)
                .detail(format!("{} at {}", copy.envelope.event_id, copy.position()))
                .detail(consumed(facts, DELIVERY_GROUP, copy))
                .tone(if i == 0 { Tone::Done } else { Tone::Note })
        })
        .collect()
}

fn delivery(facts: &Facts, order: &Order) -> Vec<Step> {
    let lane = "delivery-worker";
    let assigned = facts
        .deliveries
        .get(&order.id)
        .map_or(&[][..], Vec::as_slice);
    let mut steps: Vec<Step> = assigned
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let title = if i == 0 {
                "Delivery assigned"
            } else {
                "Delivery assigned again"
            };
            let step = Step::new(lane, Some(d.assigned_at), title)
                .detail(format!("after payment event {}", d.payment_event_id));
            let wrong = i > 0 || order.status != OrderStatus::Completed;
            if wrong { step.tone(Tone::Bad) } else { step }
        })
        .collect();
    if steps.is_empty() {
        steps.push(no_delivery(facts, order));
    }
    steps
}

fn no_delivery(facts: &Facts, order: &Order) -> Step {
    let lane = "delivery-worker";
    match order.status {
        OrderStatus::Completed => {
            let copies = facts
                .completed
                .get(&order.id)
                .map_or(&[][..], Vec::as_slice);
            let read =
                !copies.is_empty() && copies.iter().all(|c| facts.consumed_by(DELIVERY_GROUP, c));
            let (detail, tone) = match read {
                false => (
                    "the delivery worker has not consumed ORDER_COMPLETED yet",
                    Tone::Waiting,
                ),
                true => (
                    "the delivery worker consumed ORDER_COMPLETED and assigned nothing",
                    Tone::Bad,
                ),
            };
            Step::new(lane, None, "No delivery yet")
                .detail(detail)
                .tone(tone)
        }
        OrderStatus::Cancelled => {
            Step::new(lane, None, "No delivery (payment failed)").tone(Tone::Note)
        }
        OrderStatus::Pending => Step::new(lane, None, "No delivery yet").tone(Tone::Waiting),
    }
}
