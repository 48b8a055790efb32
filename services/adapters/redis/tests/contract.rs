//! The decision store contract against Redis, each clause under its own key prefix.
//! `REDIS_URL` (default: `scripts/stack`'s direct address) names the server; without one the
//! clauses skip locally and fail under `CI=true`.

use std::sync::Arc;

use saga_core::PaymentDecision::{Failed, Success};
use saga_core::ports::{DecisionStore, Entropy, OsEntropy};
use saga_redis::{RedisConfig, RedisDecisionStore};

/// A store under a fresh key prefix, or `None` when the test is skipped.
async fn store() -> Option<RedisDecisionStore> {
    let url = std::env::var("DIRECT_REDIS_URL")
        .or_else(|_| std::env::var("REDIS_URL"))
        .unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into());
    let mut config = RedisConfig::new(url);
    config.connect_attempts = 1;
    match config.connect().await {
        Ok(conn) => {
            let prefix = format!("contract-{}:payment-decision:", OsEntropy.next_u64());
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
