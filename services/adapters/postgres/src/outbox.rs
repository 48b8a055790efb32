//! The outbox side of the order store: claims that hold a transaction (and so the rows'
//! locks) open until the relay marks them published or drops them, and the LISTEN/NOTIFY
//! wake-up with its polling fallback.

use std::time::Duration;

use async_trait::async_trait;
use saga_core::ports::{OutboxClaim, OutboxRecord, PortError};
use sqlx::postgres::PgListener;
use sqlx::{PgPool, Postgres, Transaction};
use tokio::sync::{Mutex, watch};

use crate::error::port_error;
use crate::rows::{OUTBOX_COLUMNS, OutboxRow};

/// The NOTIFY channel `create_order` signals on commit.
pub(crate) const CHANNEL: &str = "outbox";

/// Counts claims whose rollback is still in flight. A dropped claim's rollback runs on a
/// spawned task; new claims wait for those first, so rows released by this process are
/// never skipped as "locked" by its own next claim.
#[derive(Debug, Clone)]
pub(crate) struct Releases(watch::Sender<usize>);

impl Releases {
    pub(crate) fn new() -> Self {
        Self(watch::Sender::new(0))
    }

    async fn settled(&self) {
        let mut receiver = self.0.subscribe();
        let _ = receiver.wait_for(|pending| *pending == 0).await;
    }
}

/// Claims up to `limit` unpublished rows, oldest first, locking them for this claim.
pub(crate) async fn claim(
    pool: &PgPool,
    releases: &Releases,
    limit: usize,
) -> Result<Box<dyn OutboxClaim>, PortError> {
    releases.settled().await;
    let mut tx = pool.begin().await.map_err(port_error)?;
    let rows: Vec<OutboxRow> = sqlx::query_as(&format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE published_at IS NULL \
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"
    ))
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&mut *tx)
    .await
    .map_err(port_error)?;
    let records = rows
        .into_iter()
        .map(OutboxRecord::try_from)
        .collect::<Result<_, _>>()?;
    Ok(Box::new(PgClaim {
        tx: Some(tx),
        records,
        releases: releases.clone(),
    }))
}

struct PgClaim {
    tx: Option<Transaction<'static, Postgres>>,
    records: Vec<OutboxRecord>,
    releases: Releases,
}

#[async_trait]
impl OutboxClaim for PgClaim {
    fn records(&self) -> &[OutboxRecord] {
        &self.records
    }

    async fn mark_published(mut self: Box<Self>, ids: &[i64]) -> Result<(), PortError> {
        let mut tx = self.tx.take().expect("a claim is marked at most once");
        // Only rows of this claim: others may belong to a live claim elsewhere.
        let ids: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| self.records.iter().any(|r| r.id == *id))
            .collect();
        sqlx::query("UPDATE outbox SET published_at = now() WHERE id = ANY($1)")
            .bind(&ids)
            .execute(&mut *tx)
            .await
            .map_err(port_error)?;
        tx.commit().await.map_err(port_error)
    }
}

impl Drop for PgClaim {
    fn drop(&mut self) {
        let Some(tx) = self.tx.take() else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return; // sqlx rolls back when the connection is next used or closed.
        };
        let releases = self.releases.clone();
        releases.0.send_modify(|pending| *pending += 1);
        runtime.spawn(async move {
            if let Err(e) = tx.rollback().await {
                tracing::warn!(error = %e, "rolling back a dropped outbox claim failed");
            }
            releases.0.send_modify(|pending| *pending -= 1);
        });
    }
}

/// A lazily connected `LISTEN outbox` connection, reconnected after errors. Notifications
/// that arrive between waits are buffered by the connection, so none is missed.
#[derive(Debug, Default)]
pub(crate) struct OutboxListener(Mutex<Option<PgListener>>);

impl OutboxListener {
    /// Resolves on a notification, or after `max_wait` (also when PostgreSQL is down).
    pub(crate) async fn wait(&self, pool: &PgPool, max_wait: Duration) {
        let _ = tokio::time::timeout(max_wait, self.notified(pool)).await;
    }

    async fn notified(&self, pool: &PgPool) {
        let mut guard = self.0.lock().await;
        if guard.is_none() {
            match Self::connect(pool).await {
                Ok(listener) => *guard = Some(listener),
                Err(e) => {
                    tracing::warn!(error = %e, "outbox listener cannot connect; polling");
                    return std::future::pending().await;
                }
            }
        }
        let listener = guard.as_mut().expect("connected above");
        if let Err(e) = listener.recv().await {
            tracing::warn!(error = %e, "outbox listener lost its connection; polling");
            *guard = None;
            std::future::pending::<()>().await;
        }
    }

    async fn connect(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }
}
