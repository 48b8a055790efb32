//! Bounded reads for the operators' tools (the explorer, `saga dlq`): a page of orders by
//! keyset, one order's rows, the saga's counters, and the dead-letter index. Every call is one
//! or a few indexed statements within the call deadline, so its cost does not grow with
//! everything ever stored (the whole-state read in `crate::snapshot` is the checker's).

mod letters;
mod order;
mod orders;
mod stats;

use std::time::Duration;

use sqlx::PgPool;

use crate::guard::Db;

pub use letters::{IndexedLetter, LetterGroup, LetterQuery, LetterRecord};
pub use orders::OrderQuery;
pub use stats::SagaStats;

/// The operators' reads of one database.
#[derive(Debug, Clone)]
pub struct PgReads {
    db: Db,
}

impl PgReads {
    /// Reads of a migrated database, each call bounded by `deadline`.
    pub fn new(pool: PgPool, deadline: Duration) -> Self {
        Self {
            db: Db::new(pool, deadline),
        }
    }
}
