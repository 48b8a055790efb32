//! The start-up schema check and the expand/contract rule (`migrations/README.md`) on a real
//! PostgreSQL: an unmigrated database is refused naming `saga migrate`; a database one newer,
//! additive migration ahead of this binary (a rollback; `saga_harness::newer_release`) is
//! accepted by the check, by this binary's `migrate`, and by every store, whose contracts are
//! run on it; an edited or failed migration is refused. The server is found as the contract
//! suite finds it.

use std::sync::Arc;

use saga_core::ports::{DeadLetterLedger, DeadLetterStore, DeliveryStore, OrderStore};
use saga_harness::newer_release::{NEWER_DESCRIPTION, NEWER_VERSION, apply_newer_release};
use saga_harness::scratch;
use saga_postgres::{
    PgConfig, PgDeadLetterLedger, PgDeadLetters, PgDeliveryStore, PgOrderStore, PgPool,
    SchemaError, check_schema, migrate,
};
use saga_test_backends::Backend;

async fn admin_url() -> String {
    saga_test_backends::address(Backend::Postgres)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A scratch database made by `create`, connected; `None` (the test skips, or fails under
/// `CI=true`) when PostgreSQL is not there.
async fn scratch_pool<F, Fut>(create: F) -> Option<PgPool>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<String, saga_postgres::ConnectError>>,
{
    let admin = admin_url().await;
    let url = match create(admin.clone()).await {
        Ok(url) => url,
        Err(e) => {
            return saga_contract::backend::unavailable(
                "PostgreSQL",
                &PgConfig::new(&admin).target(),
                &e,
            );
        }
    };
    let mut config = PgConfig::new(url);
    config.pool_size = 12;
    Some(config.connect().await.expect("a scratch database connects"))
}

/// A migrated database one additive migration ahead of this binary.
async fn ahead_pool() -> Option<PgPool> {
    let pool = scratch_pool(|admin| async move { scratch::create_database(&admin).await }).await?;
    apply_newer_release(&pool)
        .await
        .expect("the newer release migrates");
    Some(pool)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmigrated_database_is_refused_naming_what_to_run() {
    let Some(pool) =
        scratch_pool(|admin| async move { scratch::create_unmigrated_database(&admin).await })
            .await
    else {
        return;
    };
    let error = check_schema(&pool).await.unwrap_err();
    let text = error.to_string();
    let SchemaError::Missing { missing, known } = error else {
        panic!("{text}");
    };
    assert_eq!(missing.len(), known, "nothing is applied: {text}");
    assert!(text.contains("run `saga migrate`"), "{text}");
    assert!(
        text.contains("20260101000001 (orders)"),
        "names the migrations: {text}"
    );

    migrate(&pool).await.unwrap();
    let schema = check_schema(&pool).await.unwrap();
    assert!(schema.ahead.is_empty(), "{schema:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_ahead_by_an_additive_migration_is_accepted() {
    let Some(pool) = ahead_pool().await else {
        return;
    };
    let schema = check_schema(&pool).await.expect("accepted");
    assert_eq!(
        schema
            .ahead
            .iter()
            .map(|m| (m.version, m.description.as_str()))
            .collect::<Vec<_>>(),
        [(NEWER_VERSION, NEWER_DESCRIPTION)]
    );
    // This binary's `saga migrate` job runs again on a rollback: it must succeed too.
    migrate(&pool)
        .await
        .expect("an older migrate leaves newer migrations alone");
    assert_eq!(check_schema(&pool).await.unwrap(), schema);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_migration_is_refused() {
    let Some(pool) =
        scratch_pool(|admin| async move { scratch::create_database(&admin).await }).await
    else {
        return;
    };
    sqlx::query(
        "UPDATE _sqlx_migrations SET checksum = '\\x00' \
         WHERE version = (SELECT min(version) FROM _sqlx_migrations)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let error = check_schema(&pool).await.unwrap_err();
    assert!(
        matches!(&error, SchemaError::Modified(m) if m.version == 20_260_101_000_001),
        "{error}"
    );
    assert!(migrate(&pool).await.is_err(), "migrate refuses it too");

    sqlx::query("UPDATE _sqlx_migrations SET success = false WHERE version = 20260101000001")
        .execute(&pool)
        .await
        .unwrap();
    let error = check_schema(&pool).await.unwrap_err();
    assert!(matches!(&error, SchemaError::Failed(_)), "{error}");
}

// Every store of this binary keeps its contract on the newer schema.

async fn order_store() -> Option<Arc<dyn OrderStore>> {
    Some(Arc::new(PgOrderStore::new(ahead_pool().await?)))
}

async fn delivery_store() -> Option<Arc<dyn DeliveryStore>> {
    Some(Arc::new(PgDeliveryStore::new(ahead_pool().await?)))
}

async fn dead_letters() -> Option<Arc<dyn DeadLetterStore>> {
    Some(Arc::new(PgDeadLetters::new(
        ahead_pool().await?,
        saga_postgres::DEFAULT_CALL_TIMEOUT,
    )))
}

async fn dead_letter_ledger() -> Option<Arc<dyn DeadLetterLedger>> {
    Some(Arc::new(PgDeadLetterLedger::new(
        ahead_pool().await?,
        saga_postgres::DEFAULT_CALL_TIMEOUT,
    )))
}

saga_contract::order_store_contract!(order_store());
saga_contract::dead_letter_ledger_contract!(dead_letter_ledger());
saga_contract::dead_letter_store_contract!(dead_letters());
saga_contract::delivery_store_contract!(delivery_store());
