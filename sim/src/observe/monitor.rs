//! The checker's safety properties (`services/checker/src/violation.rs`), checked on every
//! transition as the backends report it, so a violation stops the run at the moment it
//! happens. The checker re-checks the whole state at the end; this is the continuous half.

use std::collections::{BTreeMap, BTreeSet};

use saga_checker::{Property, Violation};
use saga_core::{EventId, IdempotencyKey, OrderId, OrderStatus, PaymentDecision, Topic};

use super::Event;

#[derive(Debug)]
struct Track {
    source: EventId,
    changes: u32,
    deliveries: u32,
}

/// Incremental safety state.
#[derive(Debug, Default)]
pub struct Monitor {
    orders: BTreeMap<OrderId, Track>,
    keys: BTreeMap<IdempotencyKey, OrderId>,
    decisions: BTreeMap<EventId, PaymentDecision>,
    first_payment: BTreeMap<OrderId, (EventId, PaymentDecision)>,
    /// Payment events the fault driver forged: not the saga's own output.
    forged: BTreeSet<EventId>,
    /// Source events whose decision Redis lost: the saga may have decided them twice.
    lost_decisions: BTreeSet<EventId>,
    violations: Vec<Violation>,
}

fn violation(property: Property, order: OrderId, detail: String) -> Violation {
    Violation {
        property,
        order_id: Some(order),
        detail,
        history: Vec::new(),
    }
}

impl Monitor {
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    fn decision_of(&self, order: OrderId) -> Option<PaymentDecision> {
        let track = self.orders.get(&order)?;
        self.decisions.get(&track.source).copied()
    }

    /// Whether `order`'s decision was lost (the final checker judges it with that allowance).
    fn decision_lost(&self, order: OrderId) -> bool {
        self.orders
            .get(&order)
            .is_some_and(|t| self.lost_decisions.contains(&t.source))
    }

    fn key_maps_to(&mut self, key: &IdempotencyKey, order: OrderId) {
        match self.keys.get(key) {
            Some(first) if *first != order => {
                let detail = format!(
                    "idempotency key {:?} maps to orders {first} and {order}",
                    key.as_str()
                );
                self.violations
                    .push(violation(Property::IdempotencyKeyOneOrder, order, detail));
            }
            Some(_) => {}
            None => {
                self.keys.insert(key.clone(), order);
            }
        }
    }

    pub fn observe(&mut self, event: &Event) {
        match event {
            Event::OrderCreated {
                order, key, event, ..
            } => {
                let track = Track {
                    source: *event,
                    changes: 0,
                    deliveries: 0,
                };
                self.orders.insert(*order, track);
                if let Some(key) = key {
                    self.key_maps_to(key, *order);
                }
            }
            Event::Decided {
                source, decision, ..
            } => {
                self.decisions.entry(*source).or_insert(*decision);
            }
            Event::DecisionsLost { sources } => {
                for source in sources {
                    self.decisions.remove(source);
                    self.lost_decisions.insert(*source);
                }
            }
            Event::Forged { event, .. } => {
                self.forged.insert(*event);
            }
            Event::StatusChanged {
                order,
                from,
                to,
                event,
            } => self.status_changed(*order, *from, *to, *event),
            Event::Appended {
                topic: Topic::Payments,
                order: Some(order),
                decision: Some(decision),
                event: Some(event),
                ..
            } if !self.forged.contains(event) && !self.decision_lost(*order) => {
                let (first_event, first) = *self
                    .first_payment
                    .entry(*order)
                    .or_insert((*event, *decision));
                if first != *decision {
                    let detail = format!(
                        "payment events disagree: {first_event} says {}, {event} says {}",
                        first.as_str(),
                        decision.as_str()
                    );
                    self.violations
                        .push(violation(Property::PaymentEventsAgree, *order, detail));
                }
            }
            Event::DeliveryAssigned {
                order, new: true, ..
            } => self.delivered(*order),
            Event::Acknowledged { order, key, .. } => {
                if !self.orders.contains_key(order) {
                    let detail =
                        "a client got 202 for this order but the store never created it".into();
                    self.violations.push(violation(
                        Property::AcknowledgedOrderExists,
                        *order,
                        detail,
                    ));
                }
                if let Some(key) = key {
                    self.key_maps_to(key, *order);
                }
            }
            Event::ReadBack { order, outcome, .. } if outcome == "404" => {
                let detail = "a client got 202 for this order, then 404 reading it back".into();
                self.violations
                    .push(violation(Property::AcknowledgedOrderExists, *order, detail));
            }
            _ => {}
        }
    }

    fn status_changed(
        &mut self,
        order: OrderId,
        from: OrderStatus,
        to: OrderStatus,
        event: EventId,
    ) {
        let decision = self.decision_of(order);
        let Some(track) = self.orders.get_mut(&order) else {
            return;
        };
        track.changes += 1;
        let legal = from == OrderStatus::Pending && to.is_terminal();
        if !legal || track.changes > 1 {
            let detail = format!(
                "status change #{} {from} -> {to} by event {event}",
                track.changes
            );
            self.violations
                .push(violation(Property::StatusChangesOnce, order, detail));
        }
        if self.decision_lost(order) {
            return;
        }
        let problem = match decision {
            None => Some("order became terminal but no payment decision is stored".to_owned()),
            Some(d) if d.terminal_status() != to => Some(format!(
                "status {to} but the stored decision is {}",
                d.as_str()
            )),
            Some(_) => None,
        };
        if let Some(detail) = problem {
            self.violations
                .push(violation(Property::StatusMatchesDecision, order, detail));
        }
    }

    fn delivered(&mut self, order: OrderId) {
        let decision = self.decision_of(order);
        let Some(track) = self.orders.get_mut(&order) else {
            return;
        };
        track.deliveries += 1;
        if track.deliveries > 1 {
            let detail = format!("{} deliveries assigned", track.deliveries);
            self.violations
                .push(violation(Property::DeliveryAtMostOnce, order, detail));
        }
        if decision != Some(PaymentDecision::Success) && !self.decision_lost(order) {
            let detail = "delivery assigned without a successful payment".into();
            self.violations.push(violation(
                Property::DeliveryOnlyWhenCompleted,
                order,
                detail,
            ));
        }
    }
}
