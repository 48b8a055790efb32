//! Applying a payment outcome: the processed-events record, the conditional status change and,
//! when the order becomes COMPLETED, its ORDER_COMPLETED outbox row commit together, so a
//! redelivered event is a no-op, a terminal order stays put, and the delivery worker hears of
//! exactly the orders that completed. An event for an unknown order, with the wrong causation,
//! or contradicting the applied payment changes and records nothing.

use saga_core::ports::{ApplyOutcome, PaymentApplication, PortError, StatusChange};
use saga_core::{EventId, OrderId, OrderStatus, Topic};
use uuid::Uuid;

use crate::error::corrupt;
use crate::guard::{Db, within};
use crate::outbox::CHANNEL;
use crate::rows::{HISTORY_COLUMNS, HistoryRow};

/// One statement, so one round trip and its own transaction: lock the
/// order; go on only if the event names the order's ORDER_CREATED and agrees with its status;
/// record the event (nothing when it was already recorded); move the order out of PENDING only
/// when the event was new, and record that change in the status history; write ORDER_COMPLETED
/// (and wake the relay) when that made it COMPLETED. Under READ COMMITTED the lock waits for a
/// concurrent application and then reads (and the update rechecks) the latest row version.
const APPLY: &str = "\
    WITH target AS (SELECT id, status, created_event_id FROM orders WHERE id = $1 FOR UPDATE), \
    fits AS (SELECT id FROM target WHERE (created_event_id IS NULL OR created_event_id = $4) \
        AND status IN ('PENDING', $3)), \
    recorded AS (INSERT INTO processed_events (event_id, order_id, processed_at) \
        SELECT $2, id, now() FROM fits ON CONFLICT (event_id) DO NOTHING RETURNING order_id), \
    changed AS (UPDATE orders SET status = $3, updated_at = now() FROM recorded \
        WHERE orders.id = recorded.order_id AND orders.status = 'PENDING' RETURNING orders.id), \
    history AS (INSERT INTO order_status_history \
        (order_id, from_status, to_status, event_id, changed_at) \
        SELECT id, 'PENDING', $3, $2, now() FROM changed), \
    completed AS (INSERT INTO outbox \
        (event_id, topic, key, payload, correlation_id, created_at, traceparent) \
        SELECT $5, $6, id::text, $7, $8, now(), $10 FROM changed WHERE $3 = 'COMPLETED' RETURNING key) \
    SELECT (SELECT status FROM target), (SELECT created_event_id FROM target), \
        EXISTS (SELECT 1 FROM recorded), EXISTS (SELECT 1 FROM changed), \
        (SELECT pg_notify($9, key)::text FROM completed)";

type Row = (Option<String>, Option<Uuid>, bool, bool, Option<String>);

/// Applies a payment outcome in one statement (so one transaction), as [`APPLY`] says.
pub(crate) async fn apply(db: &Db, apply: &PaymentApplication) -> Result<ApplyOutcome, PortError> {
    let to = apply.decision.terminal_status();
    let completion = apply.completion();
    let payload = completion.encode(apply.schema);
    let (status, created, recorded, changed, _): Row = within!(db, |conn| sqlx::query_as(APPLY)
        .bind(apply.order_id.get())
        .bind(apply.event_id.as_uuid())
        .bind(to.as_str())
        .bind(apply.causation_id.as_uuid())
        .bind(completion.event_id.as_uuid())
        .bind(Topic::Orders.as_str())
        .bind(&payload)
        .bind(completion.correlation_id.as_str())
        .bind(CHANNEL)
        .bind(completion.trace.map(|t| t.to_string()))
        .fetch_one(conn))?;
    let Some(status) = status else {
        return Ok(ApplyOutcome::UnknownOrder);
    };
    let from: OrderStatus = status.parse().map_err(|e| corrupt("status", e))?;
    if created.is_some_and(|c| EventId::from_uuid(c) != apply.causation_id) {
        return Ok(ApplyOutcome::WrongCausation);
    }
    if from.is_terminal() && from != to {
        return Ok(ApplyOutcome::Contradicts(from));
    }
    Ok(match (recorded, changed) {
        (false, _) => ApplyOutcome::Duplicate,
        (true, true) => ApplyOutcome::Applied(to),
        (true, false) => ApplyOutcome::AlreadyTerminal(from),
    })
}

/// Order `id`'s status history, oldest first.
pub(crate) async fn history(db: &Db, id: OrderId) -> Result<Vec<StatusChange>, PortError> {
    let query = format!(
        "SELECT {HISTORY_COLUMNS} FROM order_status_history WHERE order_id = $1 ORDER BY id"
    );
    let rows: Vec<HistoryRow> = within!(db, |conn| sqlx::query_as(&query)
        .bind(id.get())
        .fetch_all(conn))?;
    rows.into_iter().map(StatusChange::try_from).collect()
}
