//! What the auditor follows in the order and delivery stores: their rows, read forward in
//! pages by each row's id, so a pass costs what was written since the last one, never a scan
//! of everything stored.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{DeliveryAssignment, PortError, StatusChange};
use crate::domain::TraceParent;
use crate::{EventId, OrderId};

/// An order as the auditor needs it: which ORDER_CREATED it was created with, and the trace
/// its request started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedOrder {
    pub order_id: OrderId,
    /// `orders.created_event_id`; `None` for a row written before it existed.
    pub created_event: Option<EventId>,
    /// `orders.created_at`: when it was placed.
    pub created_at: OffsetDateTime,
    /// The trace context stored with its ORDER_CREATED outbox row, written in the order's
    /// transaction from the request's `traceparent`; `None` when it had none, or once the row
    /// was pruned.
    pub trace: Option<TraceParent>,
}

/// Rows read forward by id. Ids grow with each insert; a transaction that commits after rows
/// with higher ids were read shows up with an id below the cursor, so a caller re-reads a
/// trailing window of ids and keeps the rows it has not seen.
#[async_trait]
pub trait AuditFeed: Send + Sync {
    /// Orders with an id above `after`, ascending, at most `limit`, each with its id.
    ///
    /// # Errors
    /// [`PortError`] when the store cannot be read; nothing is consumed.
    async fn orders_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, CreatedOrder)>, PortError>;

    /// Status changes whose history id is above `after`, ascending, at most `limit`.
    ///
    /// # Errors
    /// As [`Self::orders_after`].
    async fn status_changes_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, StatusChange)>, PortError>;

    /// Delivery assignments whose id is above `after`, ascending, at most `limit`.
    ///
    /// # Errors
    /// As [`Self::orders_after`].
    async fn deliveries_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, DeliveryAssignment)>, PortError>;
}
