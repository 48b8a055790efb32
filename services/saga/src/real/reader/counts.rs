//! Orders per status, for the order list's header: counting a million rows takes longer than a
//! page may, so each owner's counts are kept for the refresh interval and recounted in the
//! background once stale (only the first page of an owner waits for them).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use saga_core::OrderStatus;
use saga_core::ports::PortError;
use saga_postgres::PgReads;
use tokio::time::Instant;

/// Owners whose counts are kept at most (client keys each have their own).
const OWNERS: usize = 1_000;

type Counts = Vec<(OrderStatus, u64)>;

#[derive(Default)]
struct Kept {
    by_owner: BTreeMap<Option<String>, (Instant, Counts)>,
    counting: BTreeMap<Option<String>, ()>,
}

/// Counts per owner, refreshed at most every `refresh`.
#[derive(Clone)]
pub struct StatusCounts {
    reads: PgReads,
    refresh: Duration,
    kept: Arc<Mutex<Kept>>,
}

impl StatusCounts {
    pub fn new(reads: PgReads, refresh: Duration) -> Self {
        Self {
            reads,
            refresh,
            kept: Arc::default(),
        }
    }

    /// `owner`'s counts (everyone's for `None`), at most a refresh interval plus one count old.
    ///
    /// # Errors
    /// [`PortError`] when there are none yet and PostgreSQL cannot count.
    pub async fn get(&self, owner: Option<&str>) -> Result<Counts, PortError> {
        let key = owner.map(str::to_owned);
        let cached = self
            .kept
            .lock()
            .expect("counts lock")
            .by_owner
            .get(&key)
            .cloned();
        match cached {
            Some((at, counts)) => {
                if at.elapsed() >= self.refresh {
                    self.recount_in_background(key);
                }
                Ok(counts)
            }
            None => self.count(key).await,
        }
    }

    fn recount_in_background(&self, key: Option<String>) {
        let mut kept = self.kept.lock().expect("counts lock");
        if kept.counting.insert(key.clone(), ()).is_some() {
            return;
        }
        drop(kept);
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(error) = this.count(key.clone()).await {
                tracing::warn!(%error, "explorer: recounting orders failed");
            }
            this.kept.lock().expect("counts lock").counting.remove(&key);
        });
    }

    async fn count(&self, key: Option<String>) -> Result<Counts, PortError> {
        let counts = self.reads.status_counts(key.as_deref()).await?;
        let mut kept = self.kept.lock().expect("counts lock");
        if kept.by_owner.len() >= OWNERS {
            kept.by_owner.clear();
        }
        kept.by_owner.insert(key, (Instant::now(), counts.clone()));
        Ok(counts)
    }
}
