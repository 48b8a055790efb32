//! Relay-only throughput: fill an outbox with real ORDER_CREATED envelopes in one bulk
//! transaction (with the relay's wake-up), then time a running relay draining it to Kafka.

use std::time::Duration;

use anyhow::{Context, bail};
use saga_core::ports::{Clock, Entropy, OsEntropy, SystemClock};
use saga_core::{CorrelationId, Envelope, Item, OrderId, Topic};
use saga_postgres::PgConfig;

use crate::figures::RelayFigures;

/// One relay-only run.
#[derive(Debug, Clone)]
pub struct RelayPlan {
    /// The relay's database (direct, not through Toxiproxy).
    pub database_url: String,
    /// Outbox rows to insert and wait for.
    pub events: usize,
    /// How long to wait for the drain before giving up.
    pub patience: Duration,
}

/// What a relay-only run measured.
pub type RelayReport = RelayFigures;

impl RelayFigures {
    pub fn line(&self) -> String {
        format!(
            "relay only: {} events drained in {:.2}s = {:.0} events/s",
            self.events, self.seconds, self.events_per_second
        )
    }
}

/// Fills the outbox and waits until the relay has published every row.
///
/// # Errors
/// PostgreSQL unreachable, a backlog already present, or the drain outlasting `patience`.
pub async fn run(plan: &RelayPlan) -> anyhow::Result<RelayReport> {
    let pool = PgConfig::new(&plan.database_url).connect().await?;
    if unpublished(&pool).await? != 0 {
        bail!("the outbox already has unpublished rows; use a fresh database");
    }
    let rows = envelopes(plan.events);
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO outbox (event_id, topic, key, payload, correlation_id, created_at) \
         SELECT e, $5, k, p, c, now() FROM UNNEST($1::uuid[], $2::text[], $3::bytea[], $4::text[]) \
         AS t(e, k, p, c)",
    )
    .bind(&rows.event_ids)
    .bind(&rows.keys)
    .bind(&rows.payloads)
    .bind(&rows.correlation_ids)
    .bind(Topic::Orders.as_str())
    .execute(&mut *tx)
    .await
    .context("filling the outbox")?;
    sqlx::query("SELECT pg_notify('outbox', 'bench')")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let started = tokio::time::Instant::now();
    loop {
        if unpublished(&pool).await? == 0 {
            break;
        }
        if started.elapsed() > plan.patience {
            bail!(
                "the relay did not drain {} rows within {:?}",
                plan.events,
                plan.patience
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    pool.close().await;
    Ok(RelayReport {
        events: plan.events,
        seconds,
        events_per_second: plan.events as f64 / seconds,
    })
}

async fn unpublished(pool: &sqlx::PgPool) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            .fetch_one(pool)
            .await?,
    )
}

/// Columns of the rows to insert, as the order store would have written them.
struct Columns {
    event_ids: Vec<uuid::Uuid>,
    keys: Vec<String>,
    payloads: Vec<Vec<u8>>,
    correlation_ids: Vec<String>,
}

fn envelopes(count: usize) -> Columns {
    let (entropy, clock) = (OsEntropy, SystemClock);
    let mut columns = Columns {
        event_ids: Vec::with_capacity(count),
        keys: Vec::with_capacity(count),
        payloads: Vec::with_capacity(count),
        correlation_ids: Vec::with_capacity(count),
    };
    for i in 1..=count {
        let order_id = OrderId::new(i as i64).expect("positive");
        let correlation = CorrelationId::from_random_bits(u128::from(entropy.next_u64()) << 64);
        let item = Item::parse(format!("bench meal {i}")).expect("a valid item");
        let envelope = Envelope::order_created(
            entropy.event_id(),
            clock.now(),
            correlation.clone(),
            order_id,
            item,
        );
        columns.event_ids.push(envelope.event_id.as_uuid());
        columns.keys.push(order_id.key());
        columns.payloads.push(envelope.to_bytes());
        columns
            .correlation_ids
            .push(correlation.as_str().to_owned());
    }
    columns
}
