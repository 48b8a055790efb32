//! The in-memory delivery store: assignment rows, unique per order unless the mutant's mode
//! asks otherwise.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use saga_core::ports::{AssignMode, AssignOutcome, DeliveryAssignment, DeliveryStore, PortError};

/// Delivery assignments in memory. Cheap to clone; clones share state.
#[derive(Debug, Clone, Default)]
pub struct MemoryDeliveryStore {
    rows: Arc<Mutex<Vec<DeliveryAssignment>>>,
}

impl MemoryDeliveryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores the assignment per `mode`; see [`DeliveryStore::assign`].
    pub fn assign_now(&self, assignment: DeliveryAssignment, mode: AssignMode) -> AssignOutcome {
        let mut rows = self.rows.lock().expect("delivery lock poisoned");
        let exists = rows.iter().any(|r| r.order_id == assignment.order_id);
        if exists && mode == AssignMode::OncePerOrder {
            return AssignOutcome::AlreadyAssigned;
        }
        rows.push(assignment);
        AssignOutcome::Assigned
    }

    /// Every stored assignment, in insertion order.
    pub fn snapshot(&self) -> Vec<DeliveryAssignment> {
        self.rows.lock().expect("delivery lock poisoned").clone()
    }
}

#[async_trait]
impl DeliveryStore for MemoryDeliveryStore {
    async fn assign(
        &self,
        assignment: DeliveryAssignment,
        mode: AssignMode,
    ) -> Result<AssignOutcome, PortError> {
        Ok(self.assign_now(assignment, mode))
    }

    async fn ping(&self) -> Result<(), PortError> {
        Ok(())
    }
}
