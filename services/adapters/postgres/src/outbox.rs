//! The outbox side of the order store: claims that hold a transaction (and so the rows'
//! locks) open until the relay marks them published or drops them — every step within the
//! call deadline, a hung connection closed rather than awaited — and the LISTEN/NOTIFY wake-up
//! with its polling fallback.

use std::time::Duration;

use async_trait::async_trait;
use saga_core::ports::{OutboxClaim, OutboxRecord, PortError};
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgListener;
use sqlx::{Executor, PgPool, Postgres};
use tokio::sync::{Mutex, watch};

use crate::error::port_error;
use crate::guard::Db;
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

/// Claims up to `limit` unpublished rows, oldest first, locking them for this claim. The
/// transaction is begun by hand on a connection the claim owns, so that a claim whose
/// connection stops answering can be closed rather than waited on.
pub(crate) async fn claim(
    db: &Db,
    releases: &Releases,
    limit: usize,
) -> Result<Box<dyn OutboxClaim>, PortError> {
    releases.settled().await;
    let mut conn = db.acquire().await?;
    let query = format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE published_at IS NULL \
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"
    );
    let claimed = tokio::time::timeout(db.deadline, async {
        conn.execute("BEGIN").await?;
        sqlx::query_as::<_, OutboxRow>(&query)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&mut *conn)
            .await
    })
    .await;
    let rows = match claimed {
        Ok(Ok(rows)) => rows,
        Ok(Err(error)) => {
            db.rollback_or_close(conn).await;
            return Err(port_error(error));
        }
        Err(_) => return Err(db.timed_out(conn)),
    };
    let records = match rows
        .into_iter()
        .map(OutboxRecord::try_from)
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(records) => records,
        Err(error) => {
            db.rollback_or_close(conn).await;
            return Err(error);
        }
    };
    let conn = if records.is_empty() {
        // Nothing locked: end the transaction now rather than hold a connection.
        db.rollback_or_close(conn).await;
        None
    } else {
        Some(conn)
    };
    Ok(Box::new(PgClaim {
        db: db.clone(),
        conn,
        records,
        releases: releases.clone(),
    }))
}

struct PgClaim {
    db: Db,
    /// The connection whose open transaction holds the rows' locks (none for an empty claim).
    conn: Option<PoolConnection<Postgres>>,
    records: Vec<OutboxRecord>,
    releases: Releases,
}

#[async_trait]
impl OutboxClaim for PgClaim {
    fn records(&self) -> &[OutboxRecord] {
        &self.records
    }

    async fn mark_published(mut self: Box<Self>, ids: &[i64]) -> Result<(), PortError> {
        let Some(mut conn) = self.conn.take() else {
            return Ok(());
        };
        // Only rows of this claim: others may belong to a live claim elsewhere.
        let ids: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| self.records.iter().any(|r| r.id == *id))
            .collect();
        let marked = tokio::time::timeout(self.db.deadline, async {
            sqlx::query("UPDATE outbox SET published_at = now() WHERE id = ANY($1)")
                .bind(&ids)
                .execute(&mut *conn)
                .await?;
            conn.execute("COMMIT").await
        })
        .await;
        match marked {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => {
                self.db.rollback_or_close(conn).await;
                Err(port_error(error))
            }
            Err(_) => Err(self.db.timed_out(conn)),
        }
    }
}

impl Drop for PgClaim {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime to roll back on: close the connection, which ends the transaction.
            drop(conn.detach());
            return;
        };
        let (db, releases) = (self.db.clone(), self.releases.clone());
        releases.0.send_modify(|pending| *pending += 1);
        runtime.spawn(async move {
            // Bounded: a claim whose connection hangs is closed, not waited on forever.
            db.rollback_or_close(conn).await;
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
