//! The delivery worker's store on PostgreSQL (`delivery.assignments`): the unique order id
//! makes "at most one assignment per order" hold under any concurrency.

use async_trait::async_trait;
use saga_core::ports::{AssignOutcome, DeliveryAssignment, DeliveryStore, PortError};
use sqlx::PgPool;

use crate::error::port_error;

/// Delivery assignments in the `delivery` schema.
#[derive(Debug, Clone)]
pub struct PgDeliveryStore {
    pool: PgPool,
}

impl PgDeliveryStore {
    /// A store on a migrated database (see [`crate::migrate`]).
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl DeliveryStore for PgDeliveryStore {
    #[tracing::instrument(skip_all, fields(order_id = %assignment.order_id))]
    async fn assign(&self, assignment: DeliveryAssignment) -> Result<AssignOutcome, PortError> {
        let inserted = sqlx::query(
            "INSERT INTO delivery.assignments (order_id, payment_event_id, assigned_at) \
             VALUES ($1, $2, $3) ON CONFLICT (order_id) DO NOTHING",
        )
        .bind(assignment.order_id.get())
        .bind(assignment.payment_event_id.as_uuid())
        .bind(assignment.assigned_at)
        .execute(&self.pool)
        .await
        .map_err(port_error)?;
        Ok(if inserted.rows_affected() == 1 {
            AssignOutcome::Assigned
        } else {
            AssignOutcome::AlreadyAssigned
        })
    }

    async fn ping(&self) -> Result<(), PortError> {
        crate::config::ping(&self.pool).await
    }
}
