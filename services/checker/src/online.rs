//! The checker's safety properties judged online, one fact at a time, in bounded memory: what
//! the auditor runs against the live saga, and what the simulation runs on every transition of
//! a seed. [`crate::check`] judges a whole snapshot at the end; this is the continuous half, so
//! the same properties hold everywhere. Each violation is reported once per property and
//! order; orders are forgotten oldest first past a capacity, so a long-lived auditor's memory
//! stays flat (a fact about a forgotten order is not judged).
//!
//! Two readings of the decision. In a trace (the simulation) every fact arrives in the order it
//! happened, so a status change with no stored decision is a violation at once, and a courier
//! for an order without a successful decision too. A live auditor reads the stores and the
//! topics each at its own pace, so [`Online::live`] waits for the decision before judging a
//! status change by it, and judges a courier by the order's recorded status instead (the
//! auditor reads the couriers before the status history, so a courier's COMPLETED is there).

use std::collections::{BTreeMap, BTreeSet};

use saga_core::domain::TraceId;
use saga_core::{EventId, IdempotencyKey, OrderId, OrderStatus, PaymentDecision};

use crate::{Property, Violation};

/// One thing the saga did, as the auditor (or the simulation's trace) saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// The order store created `order`, with its ORDER_CREATED event id.
    OrderCreated {
        order: OrderId,
        key: Option<IdempotencyKey>,
        source: EventId,
    },
    /// A client got 202 for `order`; `trace` is the trace its request started, when known.
    Acknowledged {
        order: OrderId,
        key: Option<IdempotencyKey>,
        trace: Option<TraceId>,
    },
    /// The trace `order`'s request started, as the order store keeps it with ORDER_CREATED:
    /// what a live auditor, which sees no client, judges the order's other records by.
    TraceStarted { order: OrderId, trace: TraceId },
    /// A client got 404 reading back an order it got 202 for.
    ReadBackMissing { order: OrderId },
    /// The decision store holds `decision` for a source event.
    Decided {
        source: EventId,
        decision: PaymentDecision,
    },
    /// The decision store lost these sources' decisions (the saga may decide them again).
    DecisionsLost { sources: Vec<EventId> },
    /// Not the saga's own event: a harness forged it.
    Forged { event: EventId },
    StatusChanged {
        order: OrderId,
        from: OrderStatus,
        to: OrderStatus,
        /// The payment event that changed it.
        event: EventId,
    },
    /// A payment event on `payments`; `cause` is its `causation_id` when known.
    PaymentPublished {
        order: OrderId,
        event: EventId,
        decision: PaymentDecision,
        cause: Option<EventId>,
    },
    /// A courier was assigned to `order` (a new assignment, not a duplicate refused).
    DeliveryAssigned { order: OrderId },
    /// Retention pruned the processed-event records of these payment events.
    DedupPruned { events: Vec<EventId> },
    /// A consumer was handed payment event `event` of `order` (a first delivery or again).
    PaymentDelivered { order: OrderId, event: EventId },
    /// Something of `order`'s — a record on `what` about `event`, or its courier's row —
    /// carried this trace id (`None`: no trace context at all).
    Traced {
        order: OrderId,
        event: Option<EventId>,
        what: &'static str,
        trace: Option<TraceId>,
    },
}

#[derive(Debug)]
struct Track {
    source: EventId,
    key: Option<IdempotencyKey>,
    changes: u32,
    deliveries: u32,
    first_payment: Option<(EventId, PaymentDecision)>,
    /// Payment events seen for the order, with their causation.
    payments: BTreeMap<EventId, Option<EventId>>,
    /// Status changes by a payment event not seen yet: judged when it comes.
    awaiting: BTreeSet<EventId>,
    /// The last status recorded for it.
    status: OrderStatus,
    /// A status reached before its decision was known (live): judged when it is.
    undecided: Option<OrderStatus>,
    /// The trace the order's request started, once a client said so.
    trace: Option<TraceId>,
    /// What was traced before that: judged when it is known.
    traced_early: Vec<(&'static str, Option<TraceId>)>,
}

/// Incremental safety state, bounded by `capacity` orders.
#[derive(Debug)]
pub struct Online {
    capacity: usize,
    live: bool,
    orders: BTreeMap<OrderId, Track>,
    /// Each tracked order by its ORDER_CREATED.
    by_source: BTreeMap<EventId, OrderId>,
    keys: BTreeMap<IdempotencyKey, OrderId>,
    decisions: BTreeMap<EventId, PaymentDecision>,
    forged: BTreeSet<EventId>,
    lost_decisions: BTreeSet<EventId>,
    /// Payment events whose processed-event record retention pruned.
    pruned: BTreeSet<EventId>,
    reported: BTreeSet<(Property, OrderId)>,
    counts: BTreeMap<Property, u64>,
    violations: Vec<Violation>,
}

/// Violations kept for [`Online::violations`]: the first ones (counts go on).
const KEPT: usize = 1_000;

impl Default for Online {
    fn default() -> Self {
        Self::with_capacity(usize::MAX)
    }
}

impl Online {
    /// Judges at most `capacity` orders at a time, forgetting the oldest.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            live: false,
            orders: BTreeMap::new(),
            by_source: BTreeMap::new(),
            keys: BTreeMap::new(),
            decisions: BTreeMap::new(),
            forged: BTreeSet::new(),
            lost_decisions: BTreeSet::new(),
            pruned: BTreeSet::new(),
            reported: BTreeSet::new(),
            counts: BTreeMap::new(),
            violations: Vec::new(),
        }
    }

    /// Judges as a live auditor does (see the module doc).
    pub fn live(mut self) -> Self {
        self.live = true;
        self
    }

    /// The first violations found (at most a thousand).
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Violations found so far, by property.
    pub fn counts(&self) -> &BTreeMap<Property, u64> {
        &self.counts
    }

    /// Orders judged now.
    pub fn tracked(&self) -> usize {
        self.orders.len()
    }

    /// Whether `order` is judged now.
    pub fn tracks(&self, order: OrderId) -> bool {
        self.orders.contains_key(&order)
    }

    /// Folds `fact` in; returns the violations it revealed (each property and order once).
    pub fn observe(&mut self, fact: &Fact) -> Vec<Violation> {
        let mut found = Vec::new();
        match fact {
            Fact::OrderCreated { order, key, source } => {
                self.created(*order, key.as_ref(), *source, &mut found);
            }
            Fact::Acknowledged { order, key, trace } => {
                if let Some(trace) = trace {
                    self.request_traced(*order, *trace, &mut found);
                }
                if !self.orders.contains_key(order) && !self.forgotten(*order) {
                    let detail =
                        "a client got 202 for this order but the store never created it".into();
                    found.push(violation(Property::AcknowledgedOrderExists, *order, detail));
                }
                if let Some(key) = key {
                    self.key_maps_to(key, *order, &mut found);
                }
            }
            Fact::TraceStarted { order, trace } => self.request_traced(*order, *trace, &mut found),
            Fact::ReadBackMissing { order } => {
                let detail = "a client got 202 for this order, then 404 reading it back".into();
                found.push(violation(Property::AcknowledgedOrderExists, *order, detail));
            }
            Fact::Decided { source, decision } => self.decided(*source, *decision, &mut found),
            Fact::DecisionsLost { sources } => {
                for source in sources {
                    self.decisions.remove(source);
                    self.lost_decisions.insert(*source);
                }
            }
            Fact::Forged { event } => {
                self.forged.insert(*event);
            }
            Fact::StatusChanged {
                order,
                from,
                to,
                event,
            } => self.status_changed(*order, *from, *to, *event, &mut found),
            Fact::PaymentPublished {
                order,
                event,
                decision,
                cause,
            } => self.payment(*order, *event, *decision, *cause, &mut found),
            Fact::DeliveryAssigned { order } => self.delivered(*order, &mut found),
            Fact::DedupPruned { events } => self.pruned.extend(events.iter().copied()),
            Fact::PaymentDelivered { order, event } => {
                if self.pruned.contains(event) {
                    let detail = format!(
                        "payment event {event} was delivered after retention pruned the \
                         processed-event record that deduplicates it"
                    );
                    found.push(violation(Property::DedupOutlivesDelivery, *order, detail));
                }
            }
            Fact::Traced {
                order,
                event,
                what,
                trace,
            } => {
                if !event.is_some_and(|e| self.forged.contains(&e)) {
                    self.traced(*order, what, *trace, &mut found);
                }
            }
        }
        self.report(found)
    }

    /// An order below every order still tracked once the capacity was reached: forgotten.
    /// Whether `order` is older than every order still tracked once the capacity is reached:
    /// judged and forgotten, rather than not seen yet.
    pub fn forgotten(&self, order: OrderId) -> bool {
        self.orders.len() >= self.capacity
            && self
                .orders
                .first_key_value()
                .is_some_and(|(o, _)| order < *o)
    }

    fn report(&mut self, found: Vec<Violation>) -> Vec<Violation> {
        let fresh: Vec<Violation> = found
            .into_iter()
            .filter(|v| {
                let order = v.order_id.expect("online violations name their order");
                self.reported.insert((v.property, order))
            })
            .collect();
        for v in &fresh {
            *self.counts.entry(v.property).or_default() += 1;
            if self.violations.len() < KEPT {
                self.violations.push(v.clone());
            }
        }
        fresh
    }

    fn created(
        &mut self,
        order: OrderId,
        key: Option<&IdempotencyKey>,
        source: EventId,
        found: &mut Vec<Violation>,
    ) {
        let track = Track {
            source,
            key: key.cloned(),
            changes: 0,
            deliveries: 0,
            first_payment: None,
            payments: BTreeMap::new(),
            awaiting: BTreeSet::new(),
            status: OrderStatus::Pending,
            undecided: None,
            trace: None,
            traced_early: Vec::new(),
        };
        self.orders.insert(order, track);
        self.by_source.insert(source, order);
        if let Some(key) = key {
            self.key_maps_to(key, order, found);
        }
        while self.orders.len() > self.capacity {
            self.forget_oldest();
        }
    }

    fn forget_oldest(&mut self) {
        let Some((order, track)) = self.orders.pop_first() else {
            return;
        };
        if let Some(key) = &track.key {
            self.keys.remove(key);
        }
        self.decisions.remove(&track.source);
        self.by_source.remove(&track.source);
        self.lost_decisions.remove(&track.source);
        for event in track.payments.keys() {
            self.forged.remove(event);
        }
        let stale: Vec<_> = self
            .reported
            .iter()
            .filter(|(_, o)| *o == order)
            .copied()
            .collect();
        for entry in stale {
            self.reported.remove(&entry);
        }
    }

    fn key_maps_to(&mut self, key: &IdempotencyKey, order: OrderId, found: &mut Vec<Violation>) {
        match self.keys.get(key) {
            Some(first) if *first != order => {
                let detail = format!(
                    "idempotency key {:?} maps to orders {first} and {order}",
                    key.as_str()
                );
                found.push(violation(Property::IdempotencyKeyOneOrder, order, detail));
            }
            Some(_) => {}
            None => {
                self.keys.insert(key.clone(), order);
            }
        }
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

    fn decided(&mut self, source: EventId, decision: PaymentDecision, found: &mut Vec<Violation>) {
        if self.decisions.contains_key(&source) {
            return;
        }
        self.decisions.insert(source, decision);
        if !self.live || self.lost_decisions.contains(&source) {
            return;
        }
        let Some(order) = self.by_source.get(&source).copied() else {
            return;
        };
        let waiting = self.orders.get_mut(&order).and_then(|t| t.undecided.take());
        if let Some(to) = waiting {
            matches_decision(order, to, Some(decision), found);
        }
    }

    fn payment(
        &mut self,
        order: OrderId,
        event: EventId,
        decision: PaymentDecision,
        cause: Option<EventId>,
        found: &mut Vec<Violation>,
    ) {
        if self.forged.contains(&event) || self.decision_lost(order) {
            return;
        }
        let Some(track) = self.orders.get_mut(&order) else {
            return;
        };
        track.payments.insert(event, cause);
        let (first_event, first) = *track.first_payment.get_or_insert((event, decision));
        if first != decision {
            let detail = format!(
                "payment events disagree: {first_event} says {}, {event} says {}",
                first.as_str(),
                decision.as_str()
            );
            found.push(violation(Property::PaymentEventsAgree, order, detail));
        }
        if track.awaiting.remove(&event) {
            tied_to_payment(order, track, event, found);
        }
    }

    fn status_changed(
        &mut self,
        order: OrderId,
        from: OrderStatus,
        to: OrderStatus,
        event: EventId,
        found: &mut Vec<Violation>,
    ) {
        let decision = self.decision_of(order);
        let lost = self.decision_lost(order);
        let Some(track) = self.orders.get_mut(&order) else {
            return;
        };
        track.changes += 1;
        track.status = to;
        let legal = from == OrderStatus::Pending && to.is_terminal();
        if !legal || track.changes > 1 {
            let detail = format!(
                "status change #{} {from} -> {to} by event {event}",
                track.changes
            );
            found.push(violation(Property::StatusChangesOnce, order, detail));
        }
        if track.payments.contains_key(&event) {
            tied_to_payment(order, track, event, found);
        } else {
            track.awaiting.insert(event);
        }
        if lost {
            return;
        }
        if decision.is_none() && self.live {
            track.undecided = Some(to);
            return;
        }
        matches_decision(order, to, decision, found);
    }

    fn request_traced(&mut self, order: OrderId, trace: TraceId, found: &mut Vec<Violation>) {
        let Some(track) = self.orders.get_mut(&order) else {
            return;
        };
        track.trace = Some(trace);
        for (what, carried) in std::mem::take(&mut track.traced_early) {
            same_trace(order, trace, what, carried, found);
        }
    }

    fn traced(
        &mut self,
        order: OrderId,
        what: &'static str,
        carried: Option<TraceId>,
        found: &mut Vec<Violation>,
    ) {
        let Some(track) = self.orders.get_mut(&order) else {
            return;
        };
        match track.trace {
            Some(started) => same_trace(order, started, what, carried, found),
            None => track.traced_early.push((what, carried)),
        }
    }

    fn delivered(&mut self, order: OrderId, found: &mut Vec<Violation>) {
        let decision = self.decision_of(order);
        let lost = self.decision_lost(order);
        let Some(track) = self.orders.get_mut(&order) else {
            return;
        };
        track.deliveries += 1;
        if track.deliveries > 1 {
            let detail = format!("{} deliveries assigned", track.deliveries);
            found.push(violation(Property::DeliveryAtMostOnce, order, detail));
        }
        if self.live {
            if track.status != OrderStatus::Completed {
                let detail = format!("a courier for an order that is {}", track.status);
                found.push(violation(
                    Property::DeliveryOnlyWhenCompleted,
                    order,
                    detail,
                ));
            }
            return;
        }
        if decision != Some(PaymentDecision::Success) && !lost {
            let detail = "delivery assigned without a successful payment".into();
            found.push(violation(
                Property::DeliveryOnlyWhenCompleted,
                order,
                detail,
            ));
        }
    }
}

/// A terminal status against the stored decision (none stored is a violation too).
fn matches_decision(
    order: OrderId,
    to: OrderStatus,
    decision: Option<PaymentDecision>,
    found: &mut Vec<Violation>,
) {
    let problem = match decision {
        None => Some("order became terminal but no payment decision is stored".to_owned()),
        Some(d) if d.terminal_status() != to => Some(format!(
            "status {to} but the stored decision is {}",
            d.as_str()
        )),
        Some(_) => None,
    };
    if let Some(detail) = problem {
        found.push(violation(Property::StatusMatchesDecision, order, detail));
    }
}

/// A status change by payment `event`, whose causation (when known) must be the order's
/// ORDER_CREATED.
fn tied_to_payment(order: OrderId, track: &Track, event: EventId, found: &mut Vec<Violation>) {
    if let Some(Some(cause)) = track.payments.get(&event) {
        if *cause != track.source {
            let detail = format!(
                "status changed by payment {event}, caused by {cause}, not by the order's \
                 ORDER_CREATED {}",
                track.source
            );
            found.push(violation(
                Property::StatusChangeTiedToPayment,
                order,
                detail,
            ));
        }
    }
}

/// Something of the order carried the trace its request started.
fn same_trace(
    order: OrderId,
    started: TraceId,
    what: &str,
    carried: Option<TraceId>,
    found: &mut Vec<Violation>,
) {
    if carried == Some(started) {
        return;
    }
    let carried = carried.map_or_else(|| "no trace".to_owned(), |t| format!("trace {t}"));
    let detail = format!("{what} carries {carried}; the order's request started trace {started}");
    found.push(violation(Property::TraceContinuity, order, detail));
}

fn violation(property: Property, order: OrderId, detail: String) -> Violation {
    Violation::new(property, Some(order), detail)
}

#[cfg(test)]
#[path = "tests/online.rs"]
mod online_tests;
