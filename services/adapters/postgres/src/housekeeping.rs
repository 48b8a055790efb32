//! The reconciler's re-drive and retention's pruning on PostgreSQL, each one statement bounded
//! by a batch size and the call deadline.

use saga_core::ports::{PortError, PruneCutoffs, Pruned, Redrive};
use time::OffsetDateTime;

use crate::guard::{Db, within};

/// Stuck orders through the partial index on PENDING ones; their ORDER_CREATED rows (by event
/// id) that were published and are due are marked unpublished again. Due: never re-driven, or
/// last re-driven before the cutoff and at least as long ago as the order's age was then (at
/// most four stuck windows): the backoff of `OrderStore::redrive_stuck`.
const REDRIVE: &str = "\
    WITH stuck AS (SELECT id, created_event_id FROM orders \
        WHERE status = 'PENDING' AND created_at <= $1), \
    due AS (SELECT o.id FROM outbox o JOIN stuck s ON o.event_id = s.created_event_id \
        WHERE o.published_at IS NOT NULL AND (o.redriven_at IS NULL OR (o.redriven_at < $1 \
            AND $2 - o.redriven_at >= LEAST(o.redriven_at - o.created_at, 4 * ($2 - $1)))) \
        ORDER BY o.id LIMIT $3 FOR UPDATE OF o SKIP LOCKED), \
    redriven AS (UPDATE outbox SET published_at = NULL, redriven_at = $2 FROM due \
        WHERE outbox.id = due.id RETURNING outbox.id) \
    SELECT (SELECT count(*) FROM stuck), (SELECT count(*) FROM redriven)";

/// One batch of each kind: published outbox rows (never a PENDING order's ORDER_CREATED),
/// processed events, idempotency keys.
const PRUNE: &str = "\
    WITH old_rows AS (DELETE FROM outbox WHERE id IN (SELECT o.id FROM outbox o \
        WHERE o.published_at IS NOT NULL AND o.created_at < $1 \
        AND NOT EXISTS (SELECT 1 FROM orders r WHERE o.topic = 'orders' \
            AND r.id = o.key::bigint AND r.created_event_id = o.event_id \
            AND r.status = 'PENDING') \
        ORDER BY o.id LIMIT $4) RETURNING 1), \
    old_events AS (DELETE FROM processed_events WHERE event_id IN (SELECT event_id \
        FROM processed_events WHERE processed_at < $2 LIMIT $4) RETURNING 1), \
    old_keys AS (UPDATE orders SET idempotency_key = NULL WHERE id IN (SELECT id FROM orders \
        WHERE idempotency_key IS NOT NULL AND created_at < $3 ORDER BY created_at LIMIT $4) \
        RETURNING 1) \
    SELECT (SELECT count(*) FROM old_rows), (SELECT count(*) FROM old_events), \
        (SELECT count(*) FROM old_keys)";

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub(crate) async fn redrive(
    db: &Db,
    cutoff: OffsetDateTime,
    now: OffsetDateTime,
    limit: usize,
) -> Result<Redrive, PortError> {
    let (stuck, redriven): (i64, i64) = within!(db, |conn| sqlx::query_as(REDRIVE)
        .bind(cutoff)
        .bind(now)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_one(conn))?;
    Ok(Redrive {
        stuck: count(stuck),
        redriven: count(redriven),
    })
}

pub(crate) async fn prune(db: &Db, cutoffs: PruneCutoffs) -> Result<Pruned, PortError> {
    let (outbox, processed_events, idempotency_keys): (i64, i64, i64) =
        within!(db, |conn| sqlx::query_as(PRUNE)
            .bind(cutoffs.outbox)
            .bind(cutoffs.processed_events)
            .bind(cutoffs.idempotency_keys)
            .bind(i64::try_from(cutoffs.batch).unwrap_or(i64::MAX))
            .fetch_one(conn))?;
    Ok(Pruned {
        outbox: count(outbox),
        processed_events: count(processed_events),
        idempotency_keys: count(idempotency_keys),
    })
}
