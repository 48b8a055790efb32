//! The schema at start-up, with the real binary: components do not migrate, so on a database
//! `saga migrate` has not run on they refuse to start, saying to run it; after it they start.
//! On a database one additive migration ahead of the binary (a rollback) the whole saga runs
//! and the checker passes.

use saga_client::SagaClient;
use saga_components::registry;
use saga_harness::DEV_API_KEY;
use saga_harness::newer_release::apply_newer_release;
use saga_postgres::PgConfig;

use crate::deployment::Deployment;
use crate::judge::{converge, place};
use crate::{PATIENCE, SERIAL, backends};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn components_refuse_an_unmigrated_database_until_saga_migrate_ran() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::unmigrated(backends, "unmigrated").await;
    for component in [registry::ORDER_API, registry::OUTBOX_RELAY] {
        let (status, log) = saga.run_to_exit(component).await;
        assert!(!status.success(), "{} started: {log}", component.name);
        assert!(
            log.contains("lacks") && log.contains("run `saga migrate`"),
            "{} says what is missing and what to run: {log}",
            component.name
        );
    }
    let migrate = saga
        .tool(None, &["migrate"], &[])
        .output()
        .expect("saga migrate");
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    saga.start(registry::ORDER_API).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_saga_runs_on_a_database_one_additive_release_ahead() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "ahead").await;
    let pool = PgConfig::new(&saga.database_direct)
        .connect()
        .await
        .expect("the scratch database");
    apply_newer_release(&pool)
        .await
        .expect("the newer release migrates");
    pool.close().await;
    // A rolled-back deployment runs this binary's migrate job first: it must pass too.
    let migrate = saga
        .tool(None, &["migrate"], &[])
        .output()
        .expect("saga migrate");
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    saga.start_all().await;
    let client = SagaClient::new(&saga.gateway_url())
        .with_api_key(DEV_API_KEY)
        .unwrap();
    let acknowledged = place(&client, 30, 8).await;
    let violations = converge(&saga, &acknowledged, PATIENCE).await;
    assert!(violations.is_empty(), "{violations:#?}");
}
