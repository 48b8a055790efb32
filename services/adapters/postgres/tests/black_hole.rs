//! A black-holed PostgreSQL link (requests vanish, connections stay open) bounds every call by
//! the deadline and, once it heals, leaves the store working: connections whose call timed out
//! are closed rather than returned to the pool (where sqlx would ping them without a bound and
//! lose the slot for good), and a claim cut off mid-transaction does not block the next claim.
//! Runs through [`BlackHole`] in front of the real server (`DATABASE_URL`; skipped without
//! one, failed under CI).

use std::time::{Duration, Instant};

use saga_core::ports::{Entropy, NewOrder, OrderStore, OsEntropy};
use saga_core::{Item, OrderId};
use saga_harness::{BlackHole, scratch};
use saga_postgres::{PgConfig, PgOrderStore};

const DEADLINE: Duration = Duration::from_secs(1);

fn admin_url() -> String {
    std::env::var("DIRECT_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://saga:saga@127.0.0.1:5432/saga".to_owned())
}

fn order() -> NewOrder {
    NewOrder {
        item: Item::parse("soup").unwrap(),
        correlation_id: OsEntropy.correlation_id(),
        idempotency_key: None,
        owner: None,
        event_id: OsEntropy.event_id(),
        created_at: time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
        trace: None,
        schema: saga_core::event::Schema::V1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_on_a_black_holed_link_time_out_and_the_store_recovers_when_it_heals() {
    let admin = admin_url();
    let url = match scratch::create_database(&admin).await {
        Ok(url) => url,
        Err(e) => {
            saga_contract::backend::unavailable::<()>(
                "PostgreSQL",
                &PgConfig::new(&admin).target(),
                &e,
            );
            return;
        }
    };
    let direct = PgConfig::new(&url);
    let upstream = direct.target();
    let upstream = upstream.split('/').next().unwrap().to_owned();
    let hole = BlackHole::start(&upstream).await;
    let mut config =
        PgConfig::new(url.replacen(&upstream, &format!("127.0.0.1:{}", hole.port()), 1));
    config.pool_size = 2;
    config.call_timeout = DEADLINE;
    config.acquire_timeout = DEADLINE;
    let store = PgOrderStore::with_deadline(config.connect().await.unwrap(), DEADLINE);
    store.create_order(order()).await.unwrap();
    // A claim holding its rows when the link goes silent.
    let held = store.claim_outbox(10).await.unwrap();
    assert_eq!(held.records().len(), 1);

    hole.swallow();
    for _ in 0..4 {
        let started = Instant::now();
        assert!(store.create_order(order()).await.is_err());
        assert!(
            started.elapsed() < DEADLINE * 3,
            "a call is bounded by the deadline: {:?}",
            started.elapsed()
        );
    }
    drop(held); // its rollback cannot reach the server either
    let started = Instant::now();
    assert!(store.get_order(OrderId::new(1).unwrap()).await.is_err());
    assert!(started.elapsed() < DEADLINE * 3, "{:?}", started.elapsed());
    hole.heal();

    // More calls than the pool has connections: none may be stuck on a lost slot.
    let healed = Instant::now();
    let mut created = 0;
    while created < 6 {
        if store.create_order(order()).await.is_ok() {
            created += 1;
        }
        assert!(
            healed.elapsed() < Duration::from_secs(20),
            "the store did not recover after the heal ({created} orders created)"
        );
    }
    // The cut-off claim's rows are claimable again once the server ends that session (the
    // proxy closes nothing, so at the latest after idle_in_transaction_session_timeout).
    let claim = store.claim_outbox(100).await.unwrap();
    assert!(claim.records().len() >= 6, "{}", claim.records().len());
}
