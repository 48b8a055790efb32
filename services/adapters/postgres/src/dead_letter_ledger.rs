//! Operators' actions on dead letters (`dead_letter_actions`), one per letter: the unique
//! constraint makes the first of two concurrent actions win.

use std::time::Duration;

use async_trait::async_trait;
use saga_core::EventId;
use saga_core::ports::{DeadLetterAction, DeadLetterActionKind, DeadLetterLedger, PortError};
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::error::corrupt;
use crate::guard::{Db, within};

/// The action ledger in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgDeadLetterLedger {
    db: Db,
}

impl PgDeadLetterLedger {
    /// A ledger on a migrated database (see [`crate::migrate`]), each call bounded by `deadline`.
    pub fn new(pool: PgPool, deadline: Duration) -> Self {
        Self {
            db: Db::new(pool, deadline),
        }
    }
}

const RECORD: &str = "\
    INSERT INTO dead_letter_actions (dead_letter, action, replay_count, actor, why, at) \
    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dead_letter) DO NOTHING";

pub(crate) type Row = (uuid::Uuid, String, i32, String, String, OffsetDateTime);

#[async_trait]
impl DeadLetterLedger for PgDeadLetterLedger {
    async fn record(&self, action: &DeadLetterAction) -> Result<bool, PortError> {
        let count = match action.kind {
            DeadLetterActionKind::Replayed { count } => count,
            DeadLetterActionKind::Discarded => 0,
        };
        let done = within!(&self.db, |conn| sqlx::query(RECORD)
            .bind(action.dead_letter.as_uuid())
            .bind(action.kind.as_str())
            .bind(i32::try_from(count).unwrap_or(i32::MAX))
            .bind(&action.actor)
            .bind(&action.why)
            .bind(action.at)
            .execute(conn))?;
        Ok(done.rows_affected() == 1)
    }

    async fn actions(&self) -> Result<Vec<DeadLetterAction>, PortError> {
        let rows: Vec<Row> = within!(&self.db, |conn| sqlx::query_as(
            "SELECT dead_letter, action, replay_count, actor, why, at \
             FROM dead_letter_actions ORDER BY position"
        )
        .fetch_all(conn))?;
        rows.into_iter().map(action_of).collect()
    }
}

/// One `dead_letter_actions` row (`dead_letter, action, replay_count, actor, why, at`) as
/// the port's action.
pub(crate) fn action_of(row: Row) -> Result<DeadLetterAction, PortError> {
    let (id, action, count, actor, why, at) = row;
    let kind = match action.as_str() {
        "replayed" => DeadLetterActionKind::Replayed {
            count: u32::try_from(count).map_err(|e| corrupt("replay count", e))?,
        },
        "discarded" => DeadLetterActionKind::Discarded,
        other => return Err(corrupt("dead-letter action", other)),
    };
    Ok(DeadLetterAction {
        dead_letter: EventId::from_uuid(id),
        kind,
        actor,
        why,
        at,
    })
}
