//! Data the harness planted in the simulated backends that no handler can process: a value in
//! Redis that is not a decision (under some order's source event), and an order whose payment
//! PostgreSQL refuses (a constraint the order violates). Durable, like the rest of the data.

use std::collections::BTreeSet;
use std::sync::Mutex;

use saga_core::{EventId, OrderId};

#[derive(Debug, Default)]
struct Planted {
    decisions: BTreeSet<EventId>,
    payments: BTreeSet<OrderId>,
    /// Every order concerned.
    orders: BTreeSet<OrderId>,
    /// The next source decided for the first time gets garbage instead (when every order was
    /// already decided at the moment the fault struck).
    next_decision: bool,
}

/// The planted data.
#[derive(Debug, Default)]
pub struct Sabotage(Mutex<Planted>);

impl Sabotage {
    fn lock(&self) -> std::sync::MutexGuard<'_, Planted> {
        self.0.lock().expect("sabotage lock poisoned")
    }

    /// Redis holds garbage under `source`, order `order`'s ORDER_CREATED.
    pub fn corrupt_decision(&self, order: OrderId, source: EventId) {
        let mut planted = self.lock();
        planted.decisions.insert(source);
        planted.orders.insert(order);
    }

    /// The next order decided for the first time gets garbage in Redis instead.
    pub fn corrupt_next_decision(&self) {
        self.lock().next_decision = true;
    }

    /// Whether the next first decision is to be corrupted (cheap: no source needed).
    pub fn wants_next_decision(&self) -> bool {
        self.lock().next_decision
    }

    /// Whether the next first decision is to be corrupted; it is `source`'s (order `order`'s),
    /// which is planted now.
    pub fn take_next_decision(&self, order: OrderId, source: EventId) -> bool {
        let mut planted = self.lock();
        let take = std::mem::take(&mut planted.next_decision);
        if take {
            planted.decisions.insert(source);
            planted.orders.insert(order);
        }
        take
    }

    pub fn decision_corrupt(&self, source: EventId) -> bool {
        self.lock().decisions.contains(&source)
    }

    /// PostgreSQL refuses every payment application for `order`.
    pub fn refuse_payments(&self, order: OrderId) {
        let mut planted = self.lock();
        planted.payments.insert(order);
        planted.orders.insert(order);
    }

    pub fn payments_refused(&self, order: OrderId) -> bool {
        self.lock().payments.contains(&order)
    }
}

impl Sabotage {
    /// Whether the harness made `order`'s handling impossible (it may stay PENDING).
    pub fn quarantined(&self, order: OrderId) -> bool {
        self.lock().orders.contains(&order)
    }
}
