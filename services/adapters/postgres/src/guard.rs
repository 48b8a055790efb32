//! Client-side deadlines on every statement. PostgreSQL's own `statement_timeout` cannot help
//! when the connection itself stops answering (a black-holed link): the client would wait
//! forever. So every call here takes a connection explicitly and runs within the deadline; on a
//! timeout the connection's state is unknown (a statement may be half sent, an answer half
//! read), so it is *detached* — its socket closed, its pool slot freed — rather than handed
//! back for sqlx to test (`tests/black_hole.rs`).

use std::time::Duration;

use saga_core::ports::PortError;
use sqlx::pool::PoolConnection;
use sqlx::{Executor, PgPool, Postgres};

use crate::BACKEND;
use crate::error::port_error;

/// The default client-side deadline of one call (`DATABASE_CALL_TIMEOUT_SECONDS`).
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// A pool and the deadline of each call on it.
#[derive(Debug, Clone)]
pub(crate) struct Db {
    pub pool: PgPool,
    pub deadline: Duration,
}

/// Runs `$body` — a future of `Result<T, sqlx::Error>` using `$conn: &mut PgConnection` — on a
/// pooled connection within the deadline, as [`Db::settle`] says; `?` returns the `PortError`
/// of a failed acquire from the enclosing function.
macro_rules! within {
    ($db:expr, |$conn:ident| $body:expr) => {{
        let db: &$crate::guard::Db = $db;
        let mut pooled = db.acquire().await?;
        let answer = {
            let $conn: &mut sqlx::PgConnection = &mut pooled;
            tokio::time::timeout(db.deadline, $body).await
        };
        db.settle(pooled, answer)
    }};
}
pub(crate) use within;

impl Db {
    pub fn new(pool: PgPool, deadline: Duration) -> Self {
        Self { pool, deadline }
    }

    /// A pooled connection (bounded by the pool's acquire timeout).
    pub async fn acquire(&self) -> Result<PoolConnection<Postgres>, PortError> {
        match tokio::time::timeout(self.deadline, self.pool.acquire()).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(sqlx::Error::PoolTimedOut)) => Err(PortError::timeout(BACKEND, self.deadline)),
            Ok(Err(error)) => Err(port_error(error)),
            Err(_) => Err(PortError::timeout(BACKEND, self.deadline)),
        }
    }

    /// The outcome of a call on `conn`: on a timeout the connection is closed, not reused.
    pub fn settle<T>(
        &self,
        conn: PoolConnection<Postgres>,
        answer: Result<Result<T, sqlx::Error>, tokio::time::error::Elapsed>,
    ) -> Result<T, PortError> {
        match answer {
            Ok(result) => result.map_err(port_error),
            Err(_) => Err(self.timed_out(conn)),
        }
    }

    /// Closes `conn`, whose call overran the deadline (its state is unknown), freeing its pool
    /// slot; the error to report.
    pub fn timed_out(&self, conn: PoolConnection<Postgres>) -> PortError {
        drop(conn.detach());
        PortError::timeout(BACKEND, self.deadline)
    }

    /// Ends whatever transaction `conn` is in: rolled back and returned to the pool, or, when
    /// that fails or takes longer than the deadline, closed.
    pub async fn rollback_or_close(&self, mut conn: PoolConnection<Postgres>) {
        let rollback = tokio::time::timeout(self.deadline, conn.execute("ROLLBACK")).await;
        if !matches!(rollback, Ok(Ok(_))) {
            drop(conn.detach());
        }
    }
}
