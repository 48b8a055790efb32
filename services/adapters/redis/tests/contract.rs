//! The decision store contract against Redis, each clause under its own key prefix.
//! The server is the native stack's (`DIRECT_REDIS_URL`, default `scripts/stack`'s direct
//! address; without one the clauses skip locally and fail under `CI=true`), or a container
//! with `SAGA_TEST_BACKENDS=containers` (saga-test-backends).

use std::sync::Arc;

use saga_core::PaymentDecision::{Failed, Success};
use saga_core::ports::{DecisionStore, Entropy, OsEntropy};
use saga_redis::{RedisConfig, RedisDecisionStore, delete_keys_with_prefix};
use saga_test_backends::Backend;

async fn redis_url() -> String {
    saga_test_backends::address(Backend::Redis)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A store under a fresh key prefix, or `None` when the test is skipped.
async fn store() -> Option<RedisDecisionStore> {
    let mut config = RedisConfig::new(redis_url().await);
    config.connect_attempts = 1;
    match config.connect().await {
        Ok(conn) => {
            // Keys of test processes that have ended go; this process's stay while it runs.
            delete_keys_with_prefix(&conn, "contract-", |key| {
                saga_harness::abandoned(key, "contract-")
            })
            .await
            .unwrap();
            let prefix = format!(
                "contract-{}-{:x}:payment-decision:",
                std::process::id(),
                OsEntropy.next_u64()
            );
            Some(RedisDecisionStore::new(conn, prefix))
        }
        Err(e) => saga_contract::backend::unavailable("Redis", &config.target(), &e),
    }
}

async fn decision_store() -> Option<Arc<dyn DecisionStore>> {
    Some(Arc::new(store().await?))
}

saga_contract::decision_store_contract!(decision_store());

#[tokio::test]
async fn snapshot_lists_every_decision_under_the_prefix() {
    let Some(store) = store().await else { return };
    let (a, b) = (OsEntropy.event_id(), OsEntropy.event_id());
    store.decide(a, Success).await.unwrap();
    store.decide(b, Failed).await.unwrap();
    store.decide(b, Success).await.unwrap();
    let mut expected = vec![(a, Success), (b, Failed)];
    expected.sort();
    let mut got = store.snapshot().await.unwrap();
    got.sort();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn deleting_by_prefix_removes_only_the_picked_keys() {
    let Some(store) = store().await else { return };
    let (keep, drop) = (OsEntropy.event_id(), OsEntropy.event_id());
    store.decide(keep, Success).await.unwrap();
    store.decide(drop, Failed).await.unwrap();
    let prefix = store.prefix();
    let conn = RedisConfig::new(redis_url().await).connect().await.unwrap();
    let doomed = drop.to_string();
    let deleted = delete_keys_with_prefix(&conn, prefix, |key| key.ends_with(&doomed))
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(store.snapshot().await.unwrap(), vec![(keep, Success)]);
    assert_eq!(
        delete_keys_with_prefix(&conn, prefix, |_| true)
            .await
            .unwrap(),
        1
    );
    assert!(store.snapshot().await.unwrap().is_empty());
}
