//! One order's rows, read the checker's way (`crate::snapshot`) but only that order's: what
//! the explorer draws one journey from.

use saga_core::OrderId;
use saga_core::ports::PortError;
use sqlx::{Connection, PgConnection};

use super::PgReads;
use crate::guard::within;
use crate::rows::{HISTORY_COLUMNS, ORDER_COLUMNS};
use crate::snapshot::{PgSnapshot, Rows};

impl PgReads {
    /// `order`'s row, outbox rows, processed events, status history, delivery and dead letters
    /// (those whose source record was keyed by it), in one repeatable-read transaction; `None`
    /// when there is no such order.
    ///
    /// # Errors
    /// [`PortError`] when PostgreSQL is unreachable, slower than the deadline, or holds a row
    /// the schema should forbid.
    pub async fn order(&self, order: OrderId) -> Result<Option<PgSnapshot>, PortError> {
        let rows = within!(&self.db, |conn| read_order(conn, order))?;
        if rows.orders.is_empty() {
            return Ok(None);
        }
        rows.into_snapshot().map(Some)
    }
}

async fn read_order(conn: &mut PgConnection, order: OrderId) -> Result<Rows, sqlx::Error> {
    let id = order.get();
    let key = id.to_string();
    let mut tx = conn.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await?;
    let rows = Rows {
        orders: sqlx::query_as(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1"))
            .bind(id)
            .fetch_all(&mut *tx)
            .await?,
        outbox: sqlx::query_as(
            "SELECT o.event_id, o.key, o.published_at IS NOT NULL, r.id IS NOT NULL \
             FROM outbox o LEFT JOIN orders r ON r.created_event_id = o.event_id \
             WHERE o.key = $1 ORDER BY o.id",
        )
        .bind(&key)
        .fetch_all(&mut *tx)
        .await?,
        processed: sqlx::query_scalar(
            "SELECT event_id FROM processed_events WHERE order_id = $1 \
             ORDER BY processed_at, event_id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?,
        created: sqlx::query_as(
            "SELECT id, created_event_id FROM orders \
             WHERE id = $1 AND created_event_id IS NOT NULL",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?,
        history: sqlx::query_as(&format!(
            "SELECT {HISTORY_COLUMNS} FROM order_status_history WHERE order_id = $1 ORDER BY id"
        ))
        .bind(id)
        .fetch_all(&mut *tx)
        .await?,
        deliveries: sqlx::query_as(
            "SELECT order_id, payment_event_id, assigned_at, traceparent FROM delivery.assignments \
             WHERE order_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?,
        letters: sqlx::query_as(
            "SELECT envelope, traceparent FROM dead_letters WHERE source_key = $1 \
             ORDER BY position",
        )
        .bind(&key)
        .fetch_all(&mut *tx)
        .await?,
    };
    tx.commit().await?;
    Ok(rows)
}
