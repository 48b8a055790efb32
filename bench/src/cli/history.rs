//! `saga-bench history`: loads a long history into a migrated database and its topics, as a
//! deployment that has run for days would hold it: finished orders with their status changes
//! and deliveries (their outbox rows and processed events long pruned by retention), one
//! payment event per order on `payments` (the saga's groups committed past them), and dead
//! letters on `orders.dlq`. What the
//! operators' tools are measured against at production size.

use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use saga_core::event::{Original, RejectedBy, Rejection, RejectionCode, RejectionSource};
use saga_core::ports::{EventBus, OutgoingMessage};
use saga_core::topic::CONSUMER_GROUPS;
use saga_core::{CorrelationId, Envelope, EventBody, EventId, OrderId, PaymentDecision, Topic};
use saga_kafka::{KafkaConfig, KafkaEventBus};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The database, migrated and without orders.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[arg(long, default_value_t = 1_000_000)]
    orders: i64,
    #[arg(long, default_value_t = 100_000)]
    dead_letters: u64,
}

/// Orders inserted per statement, and records published per batch.
const CHUNK: i64 = 100_000;
const BATCH: usize = 5_000;
/// The history's orders are this far apart, ending an hour ago.
const SPACING_MS: i64 = 500;

/// The ids of order `i`'s ORDER_CREATED and payment events: fixed, so rows and records agree.
fn created_id(i: i64) -> Uuid {
    Uuid::from_u128(0x4000_8000_0000_0000_0000 | u128::try_from(i).unwrap_or(0))
}
fn payment_id(i: i64) -> Uuid {
    Uuid::from_u128(0x4000_9000_0000_0000_0000 | u128::try_from(i).unwrap_or(0))
}
fn letter_id(k: u64) -> Uuid {
    Uuid::from_u128(0x4000_a000_0000_0000_0000 | u128::from(k))
}
fn cancelled(i: i64) -> bool {
    i % 10 == 0
}

const ORDERS: &str = "\
    INSERT INTO orders (id, item, status, correlation_id, created_at, updated_at, created_event_id) \
    OVERRIDING SYSTEM VALUE \
    SELECT i, 'meal ' || (i % 97), CASE WHEN i % 10 = 0 THEN 'CANCELLED' ELSE 'COMPLETED' END, \
           'history-' || i, $3 + i * interval '500 milliseconds', \
           $3 + i * interval '500 milliseconds' + interval '1 second', \
           ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid \
    FROM generate_series($1::bigint, $2::bigint) i";
const HISTORY: &str = "\
    INSERT INTO order_status_history (order_id, from_status, to_status, event_id, changed_at) \
    SELECT i, 'PENDING', CASE WHEN i % 10 = 0 THEN 'CANCELLED' ELSE 'COMPLETED' END, \
           ('00000000-0000-4000-9000-' || lpad(to_hex(i), 12, '0'))::uuid, \
           $3 + i * interval '500 milliseconds' + interval '1 second' \
    FROM generate_series($1::bigint, $2::bigint) i";
const DELIVERIES: &str = "\
    INSERT INTO delivery.assignments (order_id, payment_event_id, assigned_at) \
    SELECT i, ('00000000-0000-4000-9000-' || lpad(to_hex(i), 12, '0'))::uuid, \
           $3 + i * interval '500 milliseconds' + interval '2 seconds' \
    FROM generate_series($1::bigint, $2::bigint) i WHERE i % 10 <> 0";

pub async fn run(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let base = OffsetDateTime::now_utc()
        - time::Duration::hours(1)
        - time::Duration::milliseconds(SPACING_MS * args.orders);
    let started = Instant::now();
    load_rows(&args, base).await?;
    eprintln!(
        "{} orders in PostgreSQL in {:.1} s",
        args.orders,
        started.elapsed().as_secs_f64()
    );
    let config = KafkaConfig::from_env()?;
    saga_kafka::ensure_topics(&config).await?;
    let bus = KafkaEventBus::connect(config.clone()).await?;
    let started = Instant::now();
    publish_payments(&bus, args.orders, base).await?;
    // The saga's own groups consumed this history long ago; the auditor's did not (it is
    // measured catching up).
    for (group, topic) in CONSUMER_GROUPS {
        saga_kafka::commit_at_end(&config, group, &[topic]).await?;
    }
    eprintln!(
        "{} payment events in {:.1} s",
        args.orders,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    publish_letters(&bus, args.dead_letters, base).await?;
    eprintln!(
        "{} dead letters in {:.1} s",
        args.dead_letters,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

async fn load_rows(args: &HistoryArgs, base: OffsetDateTime) -> anyhow::Result<()> {
    let pool = sqlx::PgPool::connect(&args.database_url).await?;
    let mut from = 1;
    while from <= args.orders {
        let to = (from + CHUNK - 1).min(args.orders);
        let mut tx = pool.begin().await?;
        for statement in [ORDERS, HISTORY, DELIVERIES] {
            sqlx::query(statement)
                .bind(from)
                .bind(to)
                .bind(base)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        from = to + 1;
    }
    sqlx::query("SELECT setval(pg_get_serial_sequence('orders', 'id'), $1)")
        .bind(args.orders)
        .execute(&pool)
        .await?;
    sqlx::query("ANALYZE").execute(&pool).await?;
    Ok(())
}

async fn publish_payments(
    bus: &KafkaEventBus,
    orders: i64,
    base: OffsetDateTime,
) -> anyhow::Result<()> {
    let mut batch = Vec::with_capacity(BATCH);
    for i in 1..=orders {
        let decision = if cancelled(i) {
            PaymentDecision::Failed
        } else {
            PaymentDecision::Success
        };
        let order_id = OrderId::new(i)?;
        let envelope = Envelope {
            event_id: EventId::from_uuid(payment_id(i)),
            occurred_at: base + time::Duration::milliseconds(i * SPACING_MS + 500),
            correlation_id: CorrelationId::parse(&format!("history-{i}"))
                .ok_or_else(|| anyhow::anyhow!("correlation id of order {i}"))?,
            causation_id: Some(EventId::from_uuid(created_id(i))),
            body: EventBody::Payment { order_id, decision },
            trace: None,
        };
        batch.push(OutgoingMessage {
            topic: Topic::Payments,
            key: i.to_string(),
            payload: envelope.to_bytes(),
            correlation_id: Some(envelope.correlation_id.clone()),
            replay: None,
            trace: None,
        });
        if batch.len() == BATCH {
            bus.publish(std::mem::take(&mut batch)).await?;
        }
    }
    bus.publish(batch).await?;
    Ok(())
}

async fn publish_letters(
    bus: &KafkaEventBus,
    letters: u64,
    base: OffsetDateTime,
) -> anyhow::Result<()> {
    let mut batch = Vec::with_capacity(BATCH);
    for k in 0..letters {
        let original = format!("junk {k}").into_bytes();
        let rejection = Rejection {
            code: RejectionCode::Undecodable,
            reason: "expected value at line 1 column 1".into(),
            source: RejectionSource {
                topic: Topic::Orders,
                partition: 0,
                offset: k,
                key: Some("junk".into()),
                correlation_id: None,
            },
            rejected_by: RejectedBy {
                group: "payment-worker".into(),
                component: "payment-worker".into(),
            },
            attempts: 1,
            original: Original::whole(original),
            replay_count: 0,
        };
        let at =
            base + time::Duration::milliseconds(i64::try_from(k).unwrap_or(0) * 3 * SPACING_MS);
        let envelope = Envelope::rejected(EventId::from_uuid(letter_id(k)), at, rejection);
        batch.push(OutgoingMessage {
            topic: Topic::OrdersDlq,
            key: "junk".into(),
            payload: envelope.to_bytes(),
            correlation_id: None,
            replay: None,
            trace: None,
        });
        if batch.len() == BATCH {
            bus.publish(std::mem::take(&mut batch)).await?;
        }
    }
    bus.publish(batch).await?;
    Ok(())
}
