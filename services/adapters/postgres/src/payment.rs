//! Applying a payment outcome: the processed-events record and the conditional status
//! change commit together, so a redelivered event is a no-op and a terminal order stays put.

use saga_core::ports::{ApplyOutcome, PaymentApplication, PortError, StatusChange};
use saga_core::{OrderId, OrderStatus};
use sqlx::PgPool;

use crate::error::{corrupt, port_error};
use crate::rows::{HISTORY_COLUMNS, HistoryRow};

/// One statement, so one round trip and its own transaction: lock the order, record the
/// event (nothing when it was already recorded), move the order out of PENDING only when the
/// event was new, and record that change in the status history. Under READ COMMITTED the lock
/// waits for a concurrent application and then reads (and the update rechecks) the latest row
/// version.
const APPLY: &str = "\
    WITH target AS (SELECT id, status FROM orders WHERE id = $1 FOR UPDATE), \
    recorded AS (INSERT INTO processed_events (event_id, order_id, processed_at) \
        SELECT $2, id, $3 FROM target ON CONFLICT (event_id) DO NOTHING RETURNING order_id), \
    changed AS (UPDATE orders SET status = $4, updated_at = $3 FROM recorded \
        WHERE orders.id = recorded.order_id AND orders.status = 'PENDING' RETURNING orders.id), \
    history AS (INSERT INTO order_status_history \
        (order_id, from_status, to_status, event_id, changed_at) \
        SELECT id, 'PENDING', $4, $2, $3 FROM changed) \
    SELECT (SELECT status FROM target), EXISTS (SELECT 1 FROM recorded), \
        EXISTS (SELECT 1 FROM changed)";

/// Applies a payment outcome in one statement (so one transaction): lock the order, record
/// the event, change the status only when the event was new and the order PENDING.
pub(crate) async fn apply(
    pool: &PgPool,
    apply: &PaymentApplication,
) -> Result<ApplyOutcome, PortError> {
    let to = apply.decision.terminal_status();
    let (status, recorded, changed): (Option<String>, bool, bool) = sqlx::query_as(APPLY)
        .bind(apply.order_id.get())
        .bind(apply.event_id.as_uuid())
        .bind(apply.at)
        .bind(to.as_str())
        .fetch_one(pool)
        .await
        .map_err(port_error)?;
    let Some(status) = status else {
        return Ok(ApplyOutcome::UnknownOrder);
    };
    let from: OrderStatus = status.parse().map_err(|e| corrupt("status", e))?;
    Ok(match (recorded, changed) {
        (false, _) => ApplyOutcome::Duplicate,
        (true, true) => ApplyOutcome::Applied(to),
        (true, false) => ApplyOutcome::AlreadyTerminal(from),
    })
}

/// Order `id`'s status history, oldest first.
pub(crate) async fn history(pool: &PgPool, id: OrderId) -> Result<Vec<StatusChange>, PortError> {
    let rows: Vec<HistoryRow> = sqlx::query_as(&format!(
        "SELECT {HISTORY_COLUMNS} FROM order_status_history WHERE order_id = $1 ORDER BY id"
    ))
    .bind(id.get())
    .fetch_all(pool)
    .await
    .map_err(port_error)?;
    rows.into_iter().map(StatusChange::try_from).collect()
}
