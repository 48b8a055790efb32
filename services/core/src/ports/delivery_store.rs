//! The delivery worker's own store: delivery assignments, at most one per order.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::PortError;
use crate::domain::{EventId, OrderId, TraceParent};

/// A delivery to assign after a successful payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAssignment {
    pub order_id: OrderId,
    /// The PAYMENT_SUCCESS event that triggered it.
    pub payment_event_id: EventId,
    pub assigned_at: OffsetDateTime,
    /// The trace context of the ORDER_COMPLETED that asked for it, stored with the row.
    pub trace: Option<TraceParent>,
}

/// What `assign` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignOutcome {
    Assigned,
    AlreadyAssigned,
}

/// Delivery assignments.
#[async_trait]
pub trait DeliveryStore: Send + Sync + 'static {
    /// Assigns a delivery for the order.
    ///
    /// Contract: the first call for an order stores it and returns
    /// `Assigned`; every later call, concurrent or not, returns `AlreadyAssigned`.
    ///
    /// # Errors
    /// [`PortError`] when the store is unreachable; the assignment may have been stored.
    async fn assign(&self, assignment: DeliveryAssignment) -> Result<AssignOutcome, PortError>;

    /// Succeeds when the store answers.
    ///
    /// # Errors
    /// [`PortError`] naming why it did not.
    async fn ping(&self) -> Result<(), PortError>;
}
