//! How the saga rode out a fault, from the orders' own timestamps in the scenario's database:
//! seconds from the fault's start until an order placed after it reached a terminal state (the
//! saga working end to end again; orders already on their way may finish sooner), and the
//! place→terminal p99 of the orders placed while the fault lasted.

use std::time::SystemTime;

use serde::Serialize;
use sqlx::Row;
use time::OffsetDateTime;

/// The failover figures of one scenario.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Failover {
    /// From the first fault step until the first order placed after it became terminal.
    pub recovery_seconds: Option<f64>,
    /// Place→terminal p99 of the orders placed between the first fault step and the last step.
    pub p99_during_ms: Option<f64>,
    /// Orders placed during the fault.
    pub orders_during: i64,
}

/// The figures for a fault from `from` to `to`, read from the database at `database_url`.
///
/// # Errors
/// The database's error, as text.
pub async fn measure(
    database_url: &str,
    from: SystemTime,
    to: SystemTime,
) -> Result<Failover, String> {
    let pool = sqlx::PgPool::connect(database_url)
        .await
        .map_err(|e| e.to_string())?;
    let (from, to) = (OffsetDateTime::from(from), OffsetDateTime::from(to));
    let row = sqlx::query(
        "SELECT \
           (SELECT EXTRACT(EPOCH FROM min(updated_at) - $1)::float8 FROM orders \
              WHERE status <> 'PENDING' AND created_at >= $1) AS recovery, \
           (SELECT (percentile_cont(0.99) WITHIN GROUP \
                (ORDER BY EXTRACT(EPOCH FROM updated_at - created_at)) * 1000)::float8 \
              FROM orders WHERE status <> 'PENDING' AND created_at BETWEEN $1 AND $2) AS p99, \
           (SELECT count(*) FROM orders WHERE created_at BETWEEN $1 AND $2) AS during",
    )
    .bind(from)
    .bind(to)
    .fetch_one(&pool)
    .await
    .map_err(|e| e.to_string());
    pool.close().await;
    let row = row?;
    Ok(Failover {
        recovery_seconds: row.get("recovery"),
        p99_during_ms: row.get("p99"),
        orders_during: row.get("during"),
    })
}
