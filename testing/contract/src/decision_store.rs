//! The decision store contract (see `saga_core::ports::DecisionStore`).

use std::sync::Arc;

use saga_core::PaymentDecision::{Failed, Success};
use saga_core::ports::{DecisionStore, Entropy, OsEntropy};

type Store = Arc<dyn DecisionStore>;

pub async fn first_decision_wins_forever(store: Store) {
    let source = OsEntropy.event_id();
    assert_eq!(store.decide(source, Failed).await.unwrap(), Failed);
    assert_eq!(store.decide(source, Success).await.unwrap(), Failed);
    assert_eq!(store.decide(source, Failed).await.unwrap(), Failed);
}

pub async fn concurrent_deciders_agree(store: Store) {
    let source = OsEntropy.event_id();
    let deciders = (0..16).map(|i| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .decide(source, if i % 2 == 0 { Success } else { Failed })
                .await
                .unwrap()
        })
    });
    let answers: Vec<_> = futures::future::join_all(deciders)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(store.decide(source, Success).await.unwrap(), answers[0]);
    assert_eq!(store.decide(source, Failed).await.unwrap(), answers[0]);
}

pub async fn sources_are_independent(store: Store) {
    let (a, b) = (OsEntropy.event_id(), OsEntropy.event_id());
    assert_eq!(store.decide(a, Success).await.unwrap(), Success);
    assert_eq!(store.decide(b, Failed).await.unwrap(), Failed);
    store.ping().await.unwrap();
}
