//! PostgreSQL over TLS, on a server that accepts nothing else (`SAGA_TLS=1 scripts/stack up
//! postgres` on a private stack; its `DIRECT_DATABASE_URL`, which verifies the server against
//! the stack's CA, given as `SAGA_TLS_DATABASE_URL`, as `.ci/run` does): the order store works
//! over a verified connection, and a plaintext one is refused at start-up with an error that
//! names `DATABASE_URL` and `sslmode`. Without the variable the tests skip loudly, and fail
//! under `CI=true`.

use std::sync::Arc;

use saga_harness::scratch;
use saga_postgres::{PgConfig, PgOrderStore};

fn tls_url() -> Option<String> {
    match std::env::var("SAGA_TLS_DATABASE_URL") {
        Ok(url) => Some(url),
        Err(_) => saga_contract::backend::unavailable(
            "PostgreSQL accepting only TLS",
            "SAGA_TLS_DATABASE_URL",
            &"not set (SAGA_TLS=1 scripts/stack up postgres on a private stack prints it as \
              DIRECT_DATABASE_URL)",
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_order_store_works_over_a_verified_tls_connection() {
    let Some(admin) = tls_url() else {
        return;
    };
    assert!(admin.contains("sslmode=verify-full"), "{admin}");
    let url = scratch::create_database(&admin).await.unwrap();
    let pool = PgConfig::new(&url).connect().await.unwrap();
    let encrypted: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(encrypted, "the session is encrypted");
    let store = Arc::new(PgOrderStore::new(pool));
    saga_contract::order_store::creates_pending_orders_with_increasing_ids(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plaintext_connection_is_refused_naming_what_to_set() {
    let Some(tls) = tls_url() else {
        return;
    };
    let plain = format!("{}?sslmode=disable", tls.split('?').next().unwrap());
    let mut config = PgConfig::new(plain);
    config.connect_attempts = 1;
    let error = config.connect().await.unwrap_err().to_string();
    assert!(
        error.contains("accepts only TLS")
            && error.contains("sslmode=verify-full")
            && error.contains("DATABASE_URL"),
        "{error}"
    );
}
