//! The benchmark's parts on the real stack, small: `scripts/bench` itself only prints figures,
//! so these keep its load generator, relay drain and PostgreSQL ceiling script working (the
//! ceiling script is SQL written against the migrations, and nothing else would notice it
//! drifting from them).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use saga_bench::outbox_drain::RelayPlan;
use saga_bench::{LoadPlan, Pace};
use saga_components::registry;

use crate::SERIAL;
use crate::backends;
use crate::deployment::Deployment;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_generator_follows_every_order_and_reads_the_relays_lag_for_its_run_only() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "bench-load").await;
    saga.start_all().await;
    let metrics = format!("http://{}/metrics", saga.addr(registry::OUTBOX_RELAY));
    let plan = |orders, pace| LoadPlan {
        url: saga.gateway_url(),
        api_key: Some(saga_harness::DEV_API_KEY.to_owned()),
        orders,
        pace,
        patience: Duration::from_secs(120),
    };

    let closed = saga_bench::run(&plan(60, Pace::Closed { concurrency: 8 }))
        .await
        .unwrap();
    let before = saga_bench::scrape(&metrics).await.unwrap();
    let open = saga_bench::run(&plan(
        40,
        Pace::Open {
            per_second: 80.0,
            max_in_flight: 64,
        },
    ))
    .await
    .unwrap();
    let after = saga_bench::scrape(&metrics).await.unwrap();

    for report in [&closed, &open] {
        assert_eq!(report.accepted, report.offered, "{:?}", report.http_errors);
        assert_eq!((report.terminal, report.unfinished), (report.offered, 0));
        assert!(report.orders_per_second > 0.0);
        let l = &report.latency;
        assert!(l.p50 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max, "{l:?}");
    }
    // The relay published one ORDER_CREATED per order of each run; the open run's lag
    // figures are its own, not the closed run's as well.
    let total = after.outbox_lag.clone().expect("the relay exposes its lag");
    let run = after.since(&before).outbox_lag.unwrap();
    assert!(total.count >= 100.0, "{total:?}");
    assert!((40.0..total.count).contains(&run.count), "{run:?}");
    assert!(run.mean().unwrap() >= 0.0 && run.p99_bound().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_drain_publishes_a_prefilled_outbox() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "bench-relay").await;
    saga.start(registry::OUTBOX_RELAY).await;
    let report = saga_bench::outbox_drain::run(&RelayPlan {
        database_url: saga.database_direct.clone(),
        events: 2_000,
        patience: Duration::from_secs(120),
    })
    .await
    .unwrap();
    assert_eq!(report.events, 2_000);
    assert!(report.events_per_second > 0.0, "{report:?}");
}

/// pgbench from PATH or the Debian server package `scripts/stack` installs.
fn pgbench() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>());
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|version| version.path().join("bin"));
    on_path
        .chain(debian)
        .map(|dir| dir.join("pgbench"))
        .find(|candidate| candidate.is_file())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ceiling_script_does_one_orders_postgres_work_on_the_migrated_schema() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let Some(pgbench) = pgbench() else {
        saga_contract::backend::unavailable::<()>("pgbench", "PATH", &"not installed");
        return;
    };
    let url = saga_harness::scratch::create_database(&backends.database_direct)
        .await
        .unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/bench.d/ceiling.sql"
    );
    let (clients, per_client) = (2, 50);
    let output = Command::new(pgbench)
        .args(["-n", "-M", "prepared", "-c", &clients.to_string()])
        .args(["-t", &per_client.to_string(), "-f", script, &url])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "pgbench failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let orders = i64::from(clients * per_client);
    let pool = saga_postgres::PgConfig::new(&url).connect().await.unwrap();
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        count("SELECT count(*) FROM orders WHERE status = 'COMPLETED'").await,
        orders
    );
    assert_eq!(count("SELECT count(*) FROM processed_events").await, orders);
    assert_eq!(
        count("SELECT count(*) FROM delivery.assignments").await,
        orders
    );
    // Two events an order: its ORDER_CREATED and, as every order here completes, its
    // ORDER_COMPLETED.
    assert_eq!(count("SELECT count(*) FROM outbox").await, 2 * orders);
    // A claim can come back short while the other client holds unpublished rows (SKIP
    // LOCKED); each such miss leaves a row behind, and misses are rare with two clients.
    let published = count("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL").await;
    assert!(
        published >= 2 * orders * 9 / 10,
        "{published} of {}",
        2 * orders
    );
}
