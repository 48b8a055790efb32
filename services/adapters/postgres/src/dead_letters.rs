//! The consumers' dead-letter table (`dead_letters`): rejections a DLQ topic would not take,
//! kept whole, one per rejecting group and source record.

use std::time::Duration;

use async_trait::async_trait;
use saga_core::event::decode;
use saga_core::ports::{DeadLetterStore, PortError};
use saga_core::{Envelope, EventBody};
use sqlx::PgPool;

use crate::BACKEND;
use crate::error::corrupt;
use crate::guard::{Db, within};

/// Dead letters in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgDeadLetters {
    db: Db,
}

impl PgDeadLetters {
    /// A store on a migrated database (see [`crate::migrate`]), each call bounded by `deadline`.
    pub fn new(pool: PgPool, deadline: Duration) -> Self {
        Self {
            db: Db::new(pool, deadline),
        }
    }
}

const KEEP: &str = "\
    INSERT INTO dead_letters (id, consumer_group, component, source_topic, source_partition, \
        source_offset, source_key, reason_code, reason, attempts, original_size, \
        original_sha256, envelope, dlq_error, created_at, traceparent) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
    ON CONFLICT (consumer_group, source_topic, source_partition, source_offset) DO NOTHING";

#[async_trait]
impl DeadLetterStore for PgDeadLetters {
    async fn keep(&self, rejection: &Envelope, why: &str) -> Result<(), PortError> {
        let EventBody::EventRejected(r) = &rejection.body else {
            return Err(PortError::rejected(
                BACKEND,
                "only EVENT_REJECTED envelopes are kept",
            ));
        };
        let bytes = rejection.to_bytes();
        within!(&self.db, |conn| sqlx::query(KEEP)
            .bind(rejection.event_id.as_uuid())
            .bind(&r.rejected_by.group)
            .bind(&r.rejected_by.component)
            .bind(r.source.topic.as_str())
            .bind(i32::try_from(r.source.partition).unwrap_or(i32::MAX))
            .bind(i64::try_from(r.source.offset).unwrap_or(i64::MAX))
            .bind(r.source.key.as_deref())
            .bind(r.code.as_str())
            .bind(&r.reason)
            .bind(i32::try_from(r.attempts).unwrap_or(i32::MAX))
            .bind(i64::try_from(r.original.size).unwrap_or(i64::MAX))
            .bind(&r.original.sha256)
            .bind(&bytes)
            .bind(why)
            .bind(rejection.occurred_at)
            .bind(rejection.trace.map(|t| t.to_string()))
            .execute(conn))?;
        Ok(())
    }

    async fn list(&self) -> Result<Vec<Envelope>, PortError> {
        let rows: Vec<KeptRow> = within!(&self.db, |conn| sqlx::query_as(
            "SELECT envelope, traceparent FROM dead_letters ORDER BY position"
        )
        .fetch_all(conn))?;
        rows.iter().map(kept_letter).collect()
    }
}

/// A kept rejection as stored: its envelope's bytes and its trace context.
pub(crate) type KeptRow = (Vec<u8>, Option<String>);

/// The rejection a row keeps, with its trace context restored.
pub(crate) fn kept_letter((bytes, trace): &KeptRow) -> Result<Envelope, PortError> {
    let envelope = decode(bytes).map_err(|e| corrupt("dead letter", e))?;
    Ok(envelope.with_trace(crate::rows::trace(trace.as_deref())))
}
