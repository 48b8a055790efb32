//! The port contract suite against PostgreSQL: every clause gets its own freshly created and
//! migrated database. The server is the native stack's (`DIRECT_DATABASE_URL`, default
//! `scripts/stack`'s direct address; without one the clauses skip locally and fail under
//! `CI=true`), or a container with `SAGA_TEST_BACKENDS=containers` (saga-test-backends).

use std::sync::Arc;

use saga_core::ports::{DeadLetterLedger, DeadLetterStore, DeliveryStore, OrderStore};
use saga_harness::scratch;
use saga_postgres::{
    PgConfig, PgDeadLetterLedger, PgDeadLetters, PgDeliveryStore, PgOrderStore, PgPool,
};
use saga_test_backends::Backend;

async fn fresh_pool() -> Option<PgPool> {
    let admin = saga_test_backends::address(Backend::Postgres)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = match scratch::create_database(&admin).await {
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
    Some(
        config
            .connect()
            .await
            .expect("a scratch database accepts connections"),
    )
}

async fn order_store() -> Option<Arc<dyn OrderStore>> {
    let pool = fresh_pool().await?;
    Some(Arc::new(PgOrderStore::new(pool)))
}

async fn delivery_store() -> Option<Arc<dyn DeliveryStore>> {
    let pool = fresh_pool().await?;
    Some(Arc::new(PgDeliveryStore::new(pool)))
}

async fn dead_letters() -> Option<Arc<dyn DeadLetterStore>> {
    let pool = fresh_pool().await?;
    Some(Arc::new(PgDeadLetters::new(
        pool,
        saga_postgres::DEFAULT_CALL_TIMEOUT,
    )))
}

async fn dead_letter_ledger() -> Option<Arc<dyn DeadLetterLedger>> {
    let pool = fresh_pool().await?;
    Some(Arc::new(PgDeadLetterLedger::new(
        pool,
        saga_postgres::DEFAULT_CALL_TIMEOUT,
    )))
}

saga_contract::order_store_contract!(order_store());
saga_contract::dead_letter_ledger_contract!(dead_letter_ledger());
saga_contract::dead_letter_store_contract!(dead_letters());
saga_contract::delivery_store_contract!(delivery_store());
