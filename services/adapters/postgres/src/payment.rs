//! Applying a payment outcome: the processed-events record and the conditional status
//! change commit together, so a redelivered event is a no-op and a terminal order stays put.

use saga_core::OrderStatus;
use saga_core::ports::{ApplyOutcome, PaymentApplication, PortError};
use sqlx::PgPool;

use crate::error::{corrupt, port_error};

/// Applies a payment outcome in one transaction: lock the order, record the event, change
/// the status if the mode allows.
pub(crate) async fn apply(
    pool: &PgPool,
    apply: &PaymentApplication,
) -> Result<ApplyOutcome, PortError> {
    let mut tx = pool.begin().await.map_err(port_error)?;
    // The row lock serialises concurrent deliveries of events for one order.
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM orders WHERE id = $1 FOR UPDATE")
            .bind(apply.order_id.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(port_error)?;
    let Some(status) = status else {
        tx.rollback().await.map_err(port_error)?;
        return Ok(ApplyOutcome::UnknownOrder);
    };
    let from: OrderStatus = status.parse().map_err(|e| corrupt("status", e))?;
    if apply.mode.record_processed {
        let recorded = sqlx::query(
            "INSERT INTO processed_events (event_id, order_id, processed_at) VALUES ($1, $2, $3) \
             ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(apply.event_id.as_uuid())
        .bind(apply.order_id.get())
        .bind(apply.at)
        .execute(&mut *tx)
        .await
        .map_err(port_error)?;
        if recorded.rows_affected() == 0 {
            tx.rollback().await.map_err(port_error)?;
            return Ok(ApplyOutcome::Duplicate);
        }
    }
    let to = apply.decision.terminal_status();
    let outcome = if from.transition(to).is_ok() || !apply.mode.only_from_pending {
        sqlx::query("UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1")
            .bind(apply.order_id.get())
            .bind(to.as_str())
            .bind(apply.at)
            .execute(&mut *tx)
            .await
            .map_err(port_error)?;
        ApplyOutcome::Applied(to)
    } else {
        ApplyOutcome::AlreadyTerminal(from)
    };
    tx.commit().await.map_err(port_error)?;
    Ok(outcome)
}
