//! The auditor's feed on the memory stores: the order store's orders and status history and the
//! delivery store's assignments, each read forward from a position.

use async_trait::async_trait;
use saga_core::ports::{AuditFeed, CreatedOrder, DeliveryAssignment, PortError, StatusChange};

use crate::{MemoryDeliveryStore, MemoryOrderStore};

/// Reads what `orders` and `deliveries` hold; ids are positions (the memory tables never
/// reorder or delete these rows).
#[derive(Debug, Clone)]
pub struct MemoryAuditFeed {
    pub orders: MemoryOrderStore,
    pub deliveries: MemoryDeliveryStore,
}

fn position(after: i64) -> usize {
    usize::try_from(after).unwrap_or(0)
}

#[async_trait]
impl AuditFeed for MemoryAuditFeed {
    async fn orders_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, CreatedOrder)>, PortError> {
        Ok(self.orders.orders_after(after, limit))
    }

    async fn status_changes_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, StatusChange)>, PortError> {
        Ok(self.orders.status_changes_after(position(after), limit))
    }

    async fn deliveries_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, DeliveryAssignment)>, PortError> {
        Ok(self.deliveries.assignments_after(position(after), limit))
    }
}
