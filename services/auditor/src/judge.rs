//! The auditor's judge: the checker's online properties over the facts both followers bring,
//! each violation counted in `saga_invariant_violations_total{property}` and logged once with
//! its order and evidence. A payment read before its order waits for it, in a bounded queue.

use std::collections::{BTreeMap, VecDeque};

use saga_checker::Violation;
use saga_checker::online::{Fact, Online};
use saga_core::OrderId;

/// Violations found, by property.
pub const VIOLATIONS: &str = "saga_invariant_violations_total";
/// Orders judged now.
pub const TRACKED: &str = "saga_audit_orders_tracked";

/// Facts about orders not read yet, kept at most (the oldest dropped first).
const PENDING: usize = 10_000;

/// The latest violations kept for `/violations`, at most.
pub const RECENT: usize = 1_000;

/// The judge and the facts waiting for their order.
#[derive(Debug)]
pub struct Judge {
    online: Online,
    pending: BTreeMap<OrderId, Vec<Fact>>,
    waiting: usize,
    recent: VecDeque<Violation>,
}

impl Judge {
    pub fn new(capacity: usize) -> Self {
        Self {
            online: Online::with_capacity(capacity).live(),
            pending: BTreeMap::new(),
            waiting: 0,
            recent: VecDeque::new(),
        }
    }

    /// Judges `facts` about one order (a payment brings its decision and itself); returns what
    /// they revealed, already counted and logged. Facts about an order not read yet (neither
    /// tracked nor forgotten) wait for it.
    pub fn observe(&mut self, order: Option<OrderId>, facts: Vec<Fact>) -> Vec<Violation> {
        let unseen = |o: &OrderId| !self.online.tracks(*o) && !self.online.forgotten(*o);
        if let Some(order) = order.filter(unseen) {
            self.wait(order, facts);
            return Vec::new();
        }
        let mut found = Vec::new();
        for fact in &facts {
            found.extend(self.online.observe(fact));
            if let Fact::OrderCreated { order, .. } = fact {
                for waited in self.pending.remove(order).unwrap_or_default() {
                    self.waiting -= 1;
                    found.extend(self.online.observe(&waited));
                }
            }
        }
        for violation in &found {
            report(violation);
            if self.recent.len() == RECENT {
                self.recent.pop_front();
            }
            self.recent.push_back(violation.clone());
        }
        metrics::gauge!(TRACKED).set(self.online.tracked() as f64);
        found
    }

    /// The latest violations, oldest first, at most [`RECENT`].
    pub fn recent(&self) -> impl Iterator<Item = &Violation> {
        self.recent.iter()
    }

    /// Violations so far, by property.
    pub fn counts(&self) -> &BTreeMap<saga_checker::Property, u64> {
        self.online.counts()
    }

    fn wait(&mut self, order: OrderId, facts: Vec<Fact>) {
        self.waiting += facts.len();
        self.pending.entry(order).or_default().extend(facts);
        while self.waiting > PENDING {
            match self.pending.pop_first() {
                Some((_, dropped)) => self.waiting -= dropped.len(),
                None => break,
            }
        }
    }
}

fn report(violation: &Violation) {
    let property = violation.property.name();
    metrics::counter!(VIOLATIONS, "property" => property).increment(1);
    let order = violation.order_id.map(|o| o.get());
    tracing::error!(property, order_id = order, detail = %violation.detail, "invariant violated");
}

#[cfg(test)]
mod tests {
    use saga_core::domain::TraceParent;
    use saga_core::{EventId, OrderStatus, PaymentDecision};

    use super::*;

    #[test]
    fn a_payment_read_before_its_order_is_judged_when_the_order_comes() {
        let mut judge = Judge::new(100);
        let order = OrderId::new(1).unwrap();
        let payment = |n: u128| Fact::PaymentPublished {
            order,
            event: EventId::from_random_bits(n),
            decision: if n == 1 {
                PaymentDecision::Success
            } else {
                PaymentDecision::Failed
            },
            cause: None,
        };
        assert!(
            judge
                .observe(Some(order), vec![payment(1), payment(2)])
                .is_empty()
        );
        let created = Fact::OrderCreated {
            order,
            key: None,
            source: EventId::from_random_bits(9),
        };
        let found = judge.observe(None, vec![created]);
        assert_eq!(found.len(), 1, "{found:?}");
        let change = Fact::StatusChanged {
            order,
            from: OrderStatus::Pending,
            to: OrderStatus::Completed,
            event: EventId::from_random_bits(1),
        };
        assert!(judge.observe(None, vec![change.clone()]).is_empty());
        assert_eq!(judge.observe(None, vec![change]).len(), 1);
        assert_eq!(judge.counts().values().sum::<u64>(), 2);
    }

    #[test]
    fn records_are_judged_by_the_trace_the_order_was_created_with() {
        let mut judge = Judge::new(100);
        let (order, other) = (OrderId::new(1).unwrap(), OrderId::new(2).unwrap());
        let trace = |n: u128| Some(TraceParent::from_random_bits(n, 1).trace_id());
        let traced = |order, what, carried| Fact::Traced {
            order,
            event: None,
            what,
            trace: carried,
        };
        // A payment read before its order, carrying another trace; a courier with none.
        let early = vec![traced(order, "a payments record", trace(2))];
        assert!(judge.observe(Some(order), early).is_empty());
        for (o, source) in [(order, 9), (other, 10)] {
            let created = Fact::OrderCreated {
                order: o,
                key: None,
                source: EventId::from_random_bits(source),
            };
            let started = Fact::TraceStarted {
                order: o,
                trace: trace(1).unwrap(),
            };
            let found = judge.observe(None, vec![created, started]);
            assert_eq!(found.len(), usize::from(o == order), "{found:?}");
        }
        assert!(found_trace(&judge, order).contains("carries trace"));
        let same = vec![traced(other, "the delivery row", trace(1))];
        assert!(judge.observe(Some(other), same).is_empty());
        let none = vec![traced(other, "the delivery row", None)];
        let found = judge.observe(Some(other), none);
        assert!(found[0].detail.contains("no trace"), "{found:?}");
    }

    fn found_trace(judge: &Judge, order: OrderId) -> String {
        let v = judge.recent().find(|v| v.order_id == Some(order)).unwrap();
        assert_eq!(v.property, saga_checker::Property::TraceContinuity);
        v.detail.clone()
    }
}
