//! The checker's safety properties checked on every transition as the backends report it, so
//! a violation stops the run at the moment it happens: the events of the trace become the
//! facts of the product's online judge (`saga_checker::online`, what the auditor runs on the
//! live saga). The checker re-checks the whole state at the end; this is the continuous half.

use std::collections::BTreeMap;

use saga_checker::online::{Fact, Online};
use saga_checker::{Property, Violation};
use saga_core::{EventId, OrderId, Topic};

use super::Event;

/// Incremental safety state.
#[derive(Debug, Default)]
pub struct Monitor {
    online: Online,
    /// What the harness saw a process do, which no backend's state shows.
    observed: Vec<Violation>,
    /// The payment event each `payments` record carries, by partition and offset: what a
    /// delivery hands out.
    payments: BTreeMap<(u32, u64), (EventId, OrderId)>,
}

impl Monitor {
    pub fn violations(&self) -> Vec<Violation> {
        let online = self.online.violations().iter().cloned();
        online.chain(self.observed.iter().cloned()).collect()
    }

    pub fn is_clean(&self) -> bool {
        self.online.violations().is_empty() && self.observed.is_empty()
    }

    pub fn observe(&mut self, event: &Event) {
        if let Event::StillStartingAfterStop { host } = event {
            self.observed.push(Violation::observed(
                Property::StopHonoured,
                format!("{host} was stopped while starting and was still starting at its restart"),
            ));
        }
        if let Some(fact) = fact(event) {
            self.online.observe(&fact);
        }
        if let Some(traced) = traced(event) {
            self.online.observe(&traced);
        }
        if let Some(fact) = self.redelivery(event) {
            self.online.observe(&fact);
        }
    }

    /// A payment event handed to a consumer, or processed-event records pruned.
    fn redelivery(&mut self, event: &Event) -> Option<Fact> {
        match event {
            Event::Appended {
                topic: Topic::Payments,
                partition,
                offset,
                event,
                order,
                ..
            } => {
                // An offset reused after a lost tail names its new record.
                match (event, order) {
                    (Some(e), Some(o)) => self.payments.insert((*partition, *offset), (*e, *o)),
                    _ => self.payments.remove(&(*partition, *offset)),
                };
                None
            }
            Event::Delivered {
                topic: Topic::Payments,
                partition,
                offset,
                ..
            } => {
                let (event, order) = *self.payments.get(&(*partition, *offset))?;
                Some(Fact::PaymentDelivered { order, event })
            }
            Event::DedupPruned { events } => Some(Fact::DedupPruned {
                events: events.clone(),
            }),
            _ => None,
        }
    }
}

/// What carried an order's trace: a record appended about it, or its courier's new row.
fn traced(event: &Event) -> Option<Fact> {
    Some(match event {
        Event::Appended {
            topic,
            order: Some(order),
            event,
            rejects,
            trace,
            ..
        } => Fact::Traced {
            order: *order,
            event: rejects.or(*event),
            what: topic.as_str(),
            trace: *trace,
        },
        Event::DeliveryAssigned {
            order,
            new: true,
            trace,
            ..
        } => Fact::Traced {
            order: *order,
            event: None,
            what: "the delivery row",
            trace: *trace,
        },
        _ => return None,
    })
}

/// The fact an event of the trace tells the judge, if any.
fn fact(event: &Event) -> Option<Fact> {
    Some(match event {
        Event::OrderCreated {
            order, key, event, ..
        } => Fact::OrderCreated {
            order: *order,
            key: key.clone(),
            source: *event,
        },
        Event::Decided {
            source, decision, ..
        } => Fact::Decided {
            source: *source,
            decision: *decision,
        },
        Event::DecisionsLost { sources } => Fact::DecisionsLost {
            sources: sources.clone(),
        },
        Event::Forged { event, .. } => Fact::Forged { event: *event },
        Event::StatusChanged {
            order,
            from,
            to,
            event,
        } => Fact::StatusChanged {
            order: *order,
            from: *from,
            to: *to,
            event: *event,
        },
        // The trace does not carry a record's causation: the online judge leaves that
        // property to the checker's final judgement here.
        Event::Appended {
            topic: Topic::Payments,
            order: Some(order),
            decision: Some(decision),
            event: Some(event),
            ..
        } => Fact::PaymentPublished {
            order: *order,
            event: *event,
            decision: *decision,
            cause: None,
        },
        Event::DeliveryAssigned {
            order, new: true, ..
        } => Fact::DeliveryAssigned { order: *order },
        Event::Acknowledged {
            order, key, trace, ..
        } => Fact::Acknowledged {
            order: *order,
            key: key.clone(),
            trace: *trace,
        },
        Event::ReadBack { order, outcome, .. } if outcome == "404" => {
            Fact::ReadBackMissing { order: *order }
        }
        _ => return None,
    })
}
