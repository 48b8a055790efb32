//! The in-memory delivery store: assignment rows, at most one per order.
//!
//! Its table is reachable one transaction at a time through
//! [`MemoryDeliveryStore::transaction`], as the order store's are (see `order_store.rs`).

use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use saga_core::OrderId;
use saga_core::ports::{AssignOutcome, DeliveryAssignment, DeliveryStore, PortError};

/// Delivery assignments in memory. Cheap to clone; clones share state.
#[derive(Debug, Clone, Default)]
pub struct MemoryDeliveryStore {
    rows: Arc<Mutex<Vec<DeliveryAssignment>>>,
}

impl MemoryDeliveryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `statements` as one transaction: nothing else reads or writes the table until it
    /// returns.
    pub fn transaction<R>(&self, statements: impl FnOnce(&mut DeliveryTable<'_>) -> R) -> R {
        statements(&mut DeliveryTable {
            rows: self.rows.lock().expect("delivery lock poisoned"),
        })
    }

    /// Every stored assignment, in insertion order.
    pub fn snapshot(&self) -> Vec<DeliveryAssignment> {
        self.rows.lock().expect("delivery lock poisoned").clone()
    }

    /// At most `limit` assignments after the first `from`, each with its position (from 1).
    pub fn assignments_after(&self, from: usize, limit: usize) -> Vec<(i64, DeliveryAssignment)> {
        let rows = self.rows.lock().expect("delivery lock poisoned");
        positioned(&rows, from, limit)
    }
}

/// The assignments table inside one transaction.
pub struct DeliveryTable<'a> {
    rows: MutexGuard<'a, Vec<DeliveryAssignment>>,
}

impl DeliveryTable<'_> {
    /// [`DeliveryStore::assign`]: the row, unless the order already has one.
    pub fn assign(&mut self, assignment: DeliveryAssignment) -> AssignOutcome {
        if self.is_assigned(assignment.order_id) {
            return AssignOutcome::AlreadyAssigned;
        }
        self.insert(assignment);
        AssignOutcome::Assigned
    }

    /// Whether `order` has an assignment.
    pub fn is_assigned(&self, order: OrderId) -> bool {
        self.rows.iter().any(|r| r.order_id == order)
    }

    /// Appends the row as given: the uniqueness per order is what [`DeliveryTable::assign`]
    /// keeps, as the real table's unique index does.
    pub fn insert(&mut self, assignment: DeliveryAssignment) {
        self.rows.push(assignment);
    }
}

#[async_trait]
impl DeliveryStore for MemoryDeliveryStore {
    async fn assign(&self, assignment: DeliveryAssignment) -> Result<AssignOutcome, PortError> {
        Ok(self.transaction(|table| table.assign(assignment)))
    }

    async fn ping(&self) -> Result<(), PortError> {
        Ok(())
    }
}

/// `rows` after the first `from`, at most `limit`, each with its position counted from 1 (the
/// id a table would have given it).
pub(crate) fn positioned<T: Clone>(rows: &[T], from: usize, limit: usize) -> Vec<(i64, T)> {
    rows.iter()
        .enumerate()
        .skip(from)
        .take(limit)
        .map(|(i, row)| (i as i64 + 1, row.clone()))
        .collect()
}
