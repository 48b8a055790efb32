//! The saga's counters for the health page, each from an index or one table's count.

use saga_core::ports::PortError;
use time::OffsetDateTime;

use super::PgReads;
use crate::guard::within;

/// What PostgreSQL says about the saga's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SagaStats {
    pub outbox_rows: u64,
    pub unpublished: u64,
    /// When the oldest unpublished outbox row was written.
    pub oldest_unpublished: Option<OffsetDateTime>,
    pub processed_events: u64,
    pub idempotency_keys: u64,
    /// PENDING orders created before the instant asked about.
    pub stuck: u64,
}

type Row = (i64, i64, Option<OffsetDateTime>, i64, i64, i64);

impl PgReads {
    /// The counters, with orders created before `stuck_before` and still PENDING as stuck.
    ///
    /// # Errors
    /// [`PortError`] when PostgreSQL is unreachable or slower than the deadline.
    pub async fn stats(&self, stuck_before: OffsetDateTime) -> Result<SagaStats, PortError> {
        let row: Row = within!(&self.db, |conn| sqlx::query_as(
            "SELECT (SELECT count(*) FROM outbox), \
                    (SELECT count(*) FROM outbox WHERE published_at IS NULL), \
                    (SELECT min(created_at) FROM outbox WHERE published_at IS NULL), \
                    (SELECT count(*) FROM processed_events), \
                    (SELECT count(*) FROM orders WHERE idempotency_key IS NOT NULL), \
                    (SELECT count(*) FROM orders WHERE status = 'PENDING' AND created_at < $1)"
        )
        .bind(stuck_before)
        .fetch_one(conn))?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(SagaStats {
            outbox_rows: n(row.0),
            unpublished: n(row.1),
            oldest_unpublished: row.2,
            processed_events: n(row.3),
            idempotency_keys: n(row.4),
            stuck: n(row.5),
        })
    }
}
