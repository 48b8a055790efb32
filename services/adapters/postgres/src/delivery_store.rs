//! The delivery worker's store on PostgreSQL (`delivery.assignments`): the unique order id
//! makes "at most one assignment per order" hold under any concurrency.

use async_trait::async_trait;
use saga_core::ports::{AssignOutcome, DeliveryAssignment, DeliveryStore, PortError};
use sqlx::PgPool;

use crate::guard::{Db, within};

/// Delivery assignments in the `delivery` schema.
#[derive(Debug, Clone)]
pub struct PgDeliveryStore {
    db: Db,
}

impl PgDeliveryStore {
    /// A store on a migrated database (see [`crate::migrate`]) with the default deadline.
    pub fn new(pool: PgPool) -> Self {
        Self::with_deadline(pool, crate::DEFAULT_CALL_TIMEOUT)
    }

    /// A store whose every call gives up after `deadline`.
    pub fn with_deadline(pool: PgPool, deadline: std::time::Duration) -> Self {
        Self {
            db: Db::new(pool, deadline),
        }
    }
}

#[async_trait]
impl DeliveryStore for PgDeliveryStore {
    #[tracing::instrument(skip_all, fields(order_id = %assignment.order_id))]
    async fn assign(&self, assignment: DeliveryAssignment) -> Result<AssignOutcome, PortError> {
        let inserted = within!(&self.db, |conn| sqlx::query(
            "INSERT INTO delivery.assignments \
             (order_id, payment_event_id, assigned_at, traceparent) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (order_id) DO NOTHING",
        )
        .bind(assignment.order_id.get())
        .bind(assignment.payment_event_id.as_uuid())
        .bind(assignment.assigned_at)
        .bind(assignment.trace.map(|t| t.to_string()))
        .execute(conn))?;
        Ok(if inserted.rows_affected() == 1 {
            AssignOutcome::Assigned
        } else {
            AssignOutcome::AlreadyAssigned
        })
    }

    async fn ping(&self) -> Result<(), PortError> {
        crate::config::ping(&self.db).await
    }
}
