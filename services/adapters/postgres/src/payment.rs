//! Applying a payment outcome: the processed-events record, the conditional status change and,
//! when the order becomes COMPLETED, its ORDER_COMPLETED outbox row commit together, so a
//! redelivered event is a no-op, a terminal order stays put, and the delivery worker hears of
//! exactly the orders that completed. An event for an unknown order, with the wrong causation,
//! or contradicting the applied payment changes and records nothing.

use saga_core::OrderStatus;
use saga_core::ports::{ApplyMode, ApplyOutcome, PaymentApplication, PortError};
use saga_core::{EventId, Topic};
use sqlx::Executor;
use uuid::Uuid;

use crate::error::{corrupt, port_error};
use crate::guard::{Db, within};
use crate::outbox::CHANNEL;

/// The correct mode in one statement, so one round trip and its own transaction: lock the
/// order; go on only if the event names the order's ORDER_CREATED and agrees with its status;
/// record the event (nothing when it was already recorded); move the order out of PENDING only
/// when the event was new; write ORDER_COMPLETED (and wake the relay) when that made it
/// COMPLETED. Under READ COMMITTED the lock waits for a concurrent application and then reads
/// (and the update rechecks) the latest row version.
const APPLY: &str = "\
    WITH target AS (SELECT id, status, created_event_id FROM orders WHERE id = $1 FOR UPDATE), \
    fits AS (SELECT id FROM target WHERE (created_event_id IS NULL OR created_event_id = $5) \
        AND status IN ('PENDING', $4)), \
    recorded AS (INSERT INTO processed_events (event_id, order_id, processed_at) \
        SELECT $2, id, $3 FROM fits ON CONFLICT (event_id) DO NOTHING RETURNING order_id), \
    changed AS (UPDATE orders SET status = $4, updated_at = $3 FROM recorded \
        WHERE orders.id = recorded.order_id AND orders.status = 'PENDING' RETURNING orders.id), \
    completed AS (INSERT INTO outbox (event_id, topic, key, payload, correlation_id, created_at) \
        SELECT $6, $7, id::text, $8, $9, $3 FROM changed WHERE $4 = 'COMPLETED' RETURNING key) \
    SELECT (SELECT status FROM target), (SELECT created_event_id FROM target), \
        EXISTS (SELECT 1 FROM recorded), EXISTS (SELECT 1 FROM changed), \
        (SELECT pg_notify($10, key)::text FROM completed)";

type Row = (Option<String>, Option<Uuid>, bool, bool, Option<String>);

/// Applies a payment outcome in one transaction.
pub(crate) async fn apply(db: &Db, apply: &PaymentApplication) -> Result<ApplyOutcome, PortError> {
    if apply.mode == ApplyMode::default() {
        return apply_at_once(db, apply).await;
    }
    match tokio::time::timeout(db.deadline, apply_step_by_step(db, apply)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(PortError::timeout(crate::BACKEND, db.deadline)),
    }
}

async fn apply_at_once(db: &Db, apply: &PaymentApplication) -> Result<ApplyOutcome, PortError> {
    let to = apply.decision.terminal_status();
    let completion = apply.completion();
    let payload = completion.to_bytes();
    let (status, created, recorded, changed, _): Row = within!(db, |conn| sqlx::query_as(APPLY)
        .bind(apply.order_id.get())
        .bind(apply.event_id.as_uuid())
        .bind(apply.at)
        .bind(to.as_str())
        .bind(apply.causation_id.as_uuid())
        .bind(completion.event_id.as_uuid())
        .bind(Topic::Orders.as_str())
        .bind(&payload)
        .bind(completion.correlation_id.as_str())
        .bind(CHANNEL)
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

/// The mutants' modes (processed events skipped, or the status changed unconditionally), one
/// statement at a time as the mode asks.
async fn apply_step_by_step(
    db: &Db,
    apply: &PaymentApplication,
) -> Result<ApplyOutcome, PortError> {
    let mut tx = db.pool.begin().await.map_err(port_error)?;
    // The row lock serialises concurrent deliveries of events for one order.
    let row: Option<(String, Option<Uuid>)> =
        sqlx::query_as("SELECT status, created_event_id FROM orders WHERE id = $1 FOR UPDATE")
            .bind(apply.order_id.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(port_error)?;
    let Some((status, created)) = row else {
        tx.rollback().await.map_err(port_error)?;
        return Ok(ApplyOutcome::UnknownOrder);
    };
    let from: OrderStatus = status.parse().map_err(|e| corrupt("status", e))?;
    let to = apply.decision.terminal_status();
    if created.is_some_and(|c| EventId::from_uuid(c) != apply.causation_id) {
        tx.rollback().await.map_err(port_error)?;
        return Ok(ApplyOutcome::WrongCausation);
    }
    if apply.mode.only_from_pending && from.is_terminal() && from != to {
        tx.rollback().await.map_err(port_error)?;
        return Ok(ApplyOutcome::Contradicts(from));
    }
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
    let outcome = if from.transition(to).is_ok() || !apply.mode.only_from_pending {
        sqlx::query("UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1")
            .bind(apply.order_id.get())
            .bind(to.as_str())
            .bind(apply.at)
            .execute(&mut *tx)
            .await
            .map_err(port_error)?;
        if to == OrderStatus::Completed {
            let completion = apply.completion();
            sqlx::query(
                "INSERT INTO outbox (event_id, topic, key, payload, correlation_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(completion.event_id.as_uuid())
            .bind(Topic::Orders.as_str())
            .bind(apply.order_id.key())
            .bind(completion.to_bytes())
            .bind(completion.correlation_id.as_str())
            .bind(apply.at)
            .execute(&mut *tx)
            .await
            .map_err(port_error)?;
            tx.execute(format!("NOTIFY {CHANNEL}").as_str())
                .await
                .map_err(port_error)?;
        }
        ApplyOutcome::Applied(to)
    } else {
        ApplyOutcome::AlreadyTerminal(from)
    };
    tx.commit().await.map_err(port_error)?;
    Ok(outcome)
}
