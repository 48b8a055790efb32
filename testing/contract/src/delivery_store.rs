//! The delivery store contract (see `saga_core::ports::DeliveryStore`).

use std::sync::Arc;

use saga_core::OrderId;
use saga_core::ports::{AssignOutcome, DeliveryAssignment, DeliveryStore, Entropy, OsEntropy};
use time::OffsetDateTime;

type Store = Arc<dyn DeliveryStore>;

fn assignment(order: OrderId) -> DeliveryAssignment {
    DeliveryAssignment {
        order_id: order,
        payment_event_id: OsEntropy.event_id(),
        assigned_at: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
        trace: None,
    }
}

/// A random order id, so clauses sharing a real table do not collide.
fn fresh_order() -> OrderId {
    OrderId::new((OsEntropy.next_u64() >> 2) as i64 + 1).unwrap()
}

pub async fn assigns_once_per_order(store: Store) {
    let order = fresh_order();
    assert_eq!(
        store.assign(assignment(order)).await.unwrap(),
        AssignOutcome::Assigned
    );
    assert_eq!(
        store.assign(assignment(order)).await.unwrap(),
        AssignOutcome::AlreadyAssigned
    );
    let other = fresh_order();
    assert_eq!(
        store.assign(assignment(other)).await.unwrap(),
        AssignOutcome::Assigned
    );
    store.ping().await.unwrap();
}

pub async fn concurrent_assignments_assign_once(store: Store) {
    let order = fresh_order();
    let attempts = (0..8).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.assign(assignment(order)).await })
    });
    let outcomes: Vec<_> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    let assigned = outcomes
        .iter()
        .filter(|o| **o == AssignOutcome::Assigned)
        .count();
    assert_eq!(assigned, 1, "{outcomes:?}");
}
