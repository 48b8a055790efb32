//! Two outbox relays (each with its own PostgreSQL pool, as two processes would have) drain
//! 5,000 outbox rows from a real database into a recording bus: every event is published,
//! none twice. Needs `scripts/stack up` (skipped locally without it, failed under `CI=true`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use saga_core::event::decode;
use saga_core::ports::{Entropy, NewOrder, OrderStore, OsEntropy, SystemClock};
use saga_core::{Item, Topic};
use saga_harness::scratch;
use saga_memory::MemoryEventBus;
use saga_postgres::{PgConfig, PgOrderStore};
use time::OffsetDateTime;

const ROWS: usize = 5_000;

async fn store(url: &str) -> Arc<PgOrderStore> {
    Arc::new(PgOrderStore::new(
        PgConfig::new(url).connect().await.unwrap(),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relays_publish_every_outbox_row_exactly_once() {
    let admin = std::env::var("DIRECT_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://saga:saga@127.0.0.1:5432/saga".into());
    let url = match scratch::create_database(&admin).await {
        Ok(url) => url,
        Err(e) => {
            return saga_contract::backend::unavailable("PostgreSQL", &admin, &e).unwrap_or(());
        }
    };
    let writer = store(&url).await;
    futures::stream::iter(0..ROWS)
        .for_each_concurrent(16, |i| {
            let writer = writer.clone();
            async move {
                let new = NewOrder {
                    item: Item::parse(format!("meal {i}")).unwrap(),
                    correlation_id: OsEntropy.correlation_id(),
                    idempotency_key: None,
                    owner: None,
                    event_id: OsEntropy.event_id(),
                    created_at: OffsetDateTime::now_utc(),
                    trace: None,
                    schema: saga_core::event::Schema::V1,
                };
                writer.create_order(new).await.unwrap();
            }
        })
        .await;
    assert_eq!(
        writer.outbox_backlog().await.unwrap().unpublished,
        ROWS as u64
    );

    let bus = MemoryEventBus::new(3);
    let token = saga_runtime::CancellationToken::new();
    let mut relays = Vec::new();
    for _ in 0..2 {
        let deps = saga_outbox_relay::RelayDeps {
            store: store(&url).await,
            bus: Arc::new(bus.clone()),
            clock: Arc::new(SystemClock),
            redelivery: None,
        };
        let config = saga_outbox_relay::RelayConfig {
            batch_size: 50,
            ..Default::default()
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let stop = token.clone().cancelled_owned();
        relays.push(tokio::spawn(saga_outbox_relay::run(
            deps, config, listener, stop,
        )));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while writer.outbox_backlog().await.unwrap().unpublished > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "relays did not drain the outbox"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    token.cancel();
    for relay in relays {
        relay.await.unwrap().unwrap();
    }

    let mut published: BTreeMap<_, usize> = BTreeMap::new();
    for record in bus
        .snapshot()
        .records
        .iter()
        .filter(|r| r.topic == Topic::Orders)
    {
        let event = decode(&record.payload).expect("outbox payloads are envelopes");
        *published.entry(event.event_id).or_default() += 1;
    }
    assert_eq!(published.len(), ROWS, "every outbox row is published");
    let twice: Vec<_> = published.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "published more than once: {twice:?}");
}
