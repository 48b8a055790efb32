//! The order store contract (see `saga_core::ports::OrderStore`).

use std::sync::Arc;
use std::time::Duration;

use saga_core::event::decode;
use saga_core::ports::{
    ApplyOutcome, CreateOutcome, Entropy, NewOrder, OrderStore, OsEntropy, PaymentApplication,
};
use saga_core::{
    EventBody, IdempotencyKey, Item, OrderId, OrderStatus, Owner, PaymentDecision, Topic,
};
use time::OffsetDateTime;

type Store = Arc<dyn OrderStore>;

/// Timestamps stored by PostgreSQL have microsecond precision; use whole seconds.
fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp()).unwrap()
}

fn new_order(item: &str, key: Option<&str>) -> NewOrder {
    NewOrder {
        item: Item::parse(item).unwrap(),
        correlation_id: OsEntropy.correlation_id(),
        idempotency_key: key.map(|k| IdempotencyKey::parse(k).unwrap()),
        owner: None,
        event_id: OsEntropy.event_id(),
        created_at: now(),
    }
}

fn unique_key() -> String {
    format!("key-{}", OsEntropy.next_u64())
}

async fn create(store: &Store, item: &str) -> saga_core::Order {
    match store.create_order(new_order(item, None)).await.unwrap() {
        CreateOutcome::Created(order) => order,
        other => panic!("expected a new order, got {other:?}"),
    }
}

fn payment(order: OrderId, decision: PaymentDecision) -> PaymentApplication {
    PaymentApplication {
        event_id: OsEntropy.event_id(),
        order_id: order,
        decision,
        at: now(),
    }
}

pub async fn creates_pending_orders_with_increasing_ids(store: Store) {
    let request = new_order("tea", None);
    let first = match store.create_order(request.clone()).await.unwrap() {
        CreateOutcome::Created(order) => order,
        other => panic!("expected Created, got {other:?}"),
    };
    assert_eq!(first.status, OrderStatus::Pending);
    assert_eq!(first.item, request.item);
    assert_eq!(first.correlation_id, request.correlation_id);
    assert_eq!(
        (first.created_at, first.updated_at),
        (request.created_at, request.created_at)
    );
    let second = create(&store, "coffee").await;
    assert!(second.id > first.id, "{} then {}", first.id, second.id);
}

pub async fn reads_back_orders_and_none_for_unknown(store: Store) {
    let order = create(&store, "soup").await;
    assert_eq!(store.get_order(order.id).await.unwrap(), Some(order));
    let unknown = OrderId::new(i64::MAX - 1).unwrap();
    assert_eq!(store.get_order(unknown).await.unwrap(), None);
}

pub async fn idempotency_key_returns_the_first_order(store: Store) {
    let key = unique_key();
    let first = store
        .create_order(new_order("bread", Some(&key)))
        .await
        .unwrap();
    let CreateOutcome::Created(first) = first else {
        panic!("first use must create")
    };
    let again = store
        .create_order(new_order("bread", Some(&key)))
        .await
        .unwrap();
    assert_eq!(again, CreateOutcome::Existing(first.clone()));
    let different_item = store
        .create_order(new_order("cake", Some(&key)))
        .await
        .unwrap();
    assert_eq!(different_item, CreateOutcome::Existing(first));
}

/// Idempotency keys belong to the order's owner: the same key from another owner (or from no
/// owner) is another order, and every order keeps the owner it was created with.
pub async fn idempotency_keys_are_scoped_to_the_owner(store: Store) {
    let key = unique_key();
    let owned = |owner: Option<&str>| NewOrder {
        owner: owner.map(|o| Owner::parse(o).unwrap()),
        ..new_order("soup", Some(&key))
    };
    let mut first = Vec::new();
    for owner in [Some("alice"), Some("bob"), None] {
        let CreateOutcome::Created(order) = store.create_order(owned(owner)).await.unwrap() else {
            panic!("{owner:?}'s first use of the key must create");
        };
        assert_eq!(order.owner.as_ref().map(Owner::as_str), owner);
        first.push(order);
    }
    assert_eq!(
        first
            .iter()
            .map(|o| o.id)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        3
    );
    for (owner, order) in [Some("alice"), Some("bob"), None].into_iter().zip(&first) {
        let again = store.create_order(owned(owner)).await.unwrap();
        assert_eq!(again, CreateOutcome::Existing(order.clone()), "{owner:?}");
        let read = store.get_order(order.id).await.unwrap().unwrap();
        assert_eq!(read.owner, order.owner, "the owner is stored");
    }
}

pub async fn concurrent_requests_with_one_key_create_one_order(store: Store) {
    let key = unique_key();
    let attempts = (0..8).map(|_| {
        let store = store.clone();
        let request = new_order("rice", Some(&key));
        tokio::spawn(async move { store.create_order(request).await })
    });
    let outcomes: Vec<CreateOutcome> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(|joined| joined.unwrap().unwrap())
        .collect();
    let created = outcomes
        .iter()
        .filter(|o| matches!(o, CreateOutcome::Created(_)))
        .count();
    assert_eq!(created, 1, "{outcomes:?}");
    let id = outcomes[0].order().id;
    assert!(outcomes.iter().all(|o| o.order().id == id), "{outcomes:?}");
    let claim = store.claim_outbox(100).await.unwrap();
    let events = claim.records().iter().filter(|r| r.key == id.key()).count();
    assert_eq!(events, 1, "one key must produce one ORDER_CREATED");
}

pub async fn writes_order_created_to_the_outbox(store: Store) {
    let request = new_order("noodles", None);
    let order = store
        .create_order(request.clone())
        .await
        .unwrap()
        .order()
        .clone();
    let claim = store.claim_outbox(100).await.unwrap();
    let record = claim
        .records()
        .iter()
        .find(|r| r.event_id == request.event_id)
        .expect("the order's event is in the outbox");
    assert_eq!(
        (record.topic, record.key.as_str()),
        (Topic::Orders, order.id.key().as_str())
    );
    assert_eq!(record.correlation_id, request.correlation_id);
    let envelope = decode(&record.payload).expect("outbox payloads are valid envelopes");
    assert_eq!(envelope.event_id, request.event_id);
    assert_eq!(envelope.correlation_id, request.correlation_id);
    assert_eq!(
        envelope.body,
        EventBody::OrderCreated {
            order_id: order.id,
            item: order.item
        }
    );
}

pub async fn concurrent_claims_never_share_a_row(store: Store) {
    for i in 0..6 {
        create(&store, &format!("item {i}")).await;
    }
    let a = store.claim_outbox(3).await.unwrap();
    let b = store.claim_outbox(10).await.unwrap();
    assert_eq!(a.records().len(), 3);
    assert!(b.records().len() >= 3);
    let ids_a: Vec<i64> = a.records().iter().map(|r| r.id).collect();
    assert!(
        b.records().iter().all(|r| !ids_a.contains(&r.id)),
        "claims overlap"
    );
    assert!(
        ids_a.windows(2).all(|w| w[0] < w[1]),
        "claims are oldest first: {ids_a:?}"
    );
}

pub async fn dropped_claim_releases_rows_and_marked_rows_stay_published(store: Store) {
    for i in 0..4 {
        create(&store, &format!("dish {i}")).await;
    }
    let first = store.claim_outbox(100).await.unwrap();
    let all: Vec<i64> = first.records().iter().map(|r| r.id).collect();
    assert!(all.len() >= 4);
    drop(first);
    let second = store.claim_outbox(100).await.unwrap();
    let again: Vec<i64> = second.records().iter().map(|r| r.id).collect();
    assert_eq!(again, all, "a dropped claim must release its rows");
    let (published, kept) = all.split_at(2);
    second.mark_published(published).await.unwrap();
    let third = store.claim_outbox(100).await.unwrap();
    let left: Vec<i64> = third.records().iter().map(|r| r.id).collect();
    assert_eq!(
        left, kept,
        "published rows never come back; unmarked rows do"
    );
}

pub async fn applies_payment_once_and_never_changes_a_terminal_order(store: Store) {
    let order = create(&store, "pie").await;
    let success = payment(order.id, PaymentDecision::Success);
    assert_eq!(
        store.apply_payment(success.clone()).await.unwrap(),
        ApplyOutcome::Applied(OrderStatus::Completed)
    );
    assert_eq!(
        store.apply_payment(success).await.unwrap(),
        ApplyOutcome::Duplicate
    );
    let contrary = payment(order.id, PaymentDecision::Failed);
    assert_eq!(
        store.apply_payment(contrary.clone()).await.unwrap(),
        ApplyOutcome::AlreadyTerminal(OrderStatus::Completed)
    );
    assert_eq!(
        store.apply_payment(contrary).await.unwrap(),
        ApplyOutcome::Duplicate
    );
    let stored = store.get_order(order.id).await.unwrap().unwrap();
    assert_eq!(stored.status, OrderStatus::Completed);
    assert!(stored.updated_at >= stored.created_at);

    let cancelled = create(&store, "tart").await;
    assert_eq!(
        store
            .apply_payment(payment(cancelled.id, PaymentDecision::Failed))
            .await
            .unwrap(),
        ApplyOutcome::Applied(OrderStatus::Cancelled)
    );
}

pub async fn concurrent_payments_apply_once(store: Store) {
    let order = create(&store, "soup").await;
    let decisions = [PaymentDecision::Success, PaymentDecision::Failed];
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            let application = payment(order.id, decisions[i % 2]);
            tokio::spawn(async move { store.apply_payment(application).await.unwrap() })
        })
        .collect();
    let mut applied = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            ApplyOutcome::Applied(status) => applied.push(status),
            ApplyOutcome::AlreadyTerminal(_) => {}
            other => panic!("distinct events for one order: {other:?}"),
        }
    }
    assert_eq!(applied.len(), 1, "exactly one event moves the order");
    let stored = store.get_order(order.id).await.unwrap().unwrap();
    assert_eq!(stored.status, applied[0]);
}

pub async fn unknown_order_is_reported(store: Store) {
    let unknown = OrderId::new(i64::MAX - 2).unwrap();
    assert_eq!(
        store
            .apply_payment(payment(unknown, PaymentDecision::Success))
            .await
            .unwrap(),
        ApplyOutcome::UnknownOrder
    );
}

pub async fn records_each_status_change_with_its_event(store: Store) {
    let order = create(&store, "stew").await;
    assert_eq!(store.status_history(order.id).await.unwrap(), vec![]);
    let failed = payment(order.id, PaymentDecision::Failed);
    store.apply_payment(failed.clone()).await.unwrap();
    // A redelivery, a contrary event and a duplicate of it change nothing, so record nothing.
    store.apply_payment(failed.clone()).await.unwrap();
    let contrary = payment(order.id, PaymentDecision::Success);
    store.apply_payment(contrary.clone()).await.unwrap();
    store.apply_payment(contrary).await.unwrap();
    let history = store.status_history(order.id).await.unwrap();
    let changes: Vec<_> = history
        .iter()
        .map(|c| (c.order_id, c.from, c.to, c.event_id, c.at))
        .collect();
    assert_eq!(
        changes,
        vec![(
            order.id,
            OrderStatus::Pending,
            OrderStatus::Cancelled,
            failed.event_id,
            failed.at
        )]
    );
    let other = create(&store, "broth").await;
    assert_eq!(store.status_history(other.id).await.unwrap(), vec![]);
    let unknown = OrderId::new(i64::MAX - 3).unwrap();
    store
        .apply_payment(payment(unknown, PaymentDecision::Success))
        .await
        .unwrap();
    assert_eq!(store.status_history(unknown).await.unwrap(), vec![]);
}

pub async fn backlog_counts_unpublished_rows(store: Store) {
    let before = store.outbox_backlog().await.unwrap().unpublished;
    create(&store, "fish").await;
    create(&store, "chips").await;
    let backlog = store.outbox_backlog().await.unwrap();
    assert_eq!(backlog.unpublished, before + 2);
    assert!(backlog.oldest_created_at.is_some());
    let claim = store.claim_outbox(1000).await.unwrap();
    let ids: Vec<i64> = claim.records().iter().map(|r| r.id).collect();
    claim.mark_published(&ids).await.unwrap();
    assert_eq!(store.outbox_backlog().await.unwrap().unpublished, 0);
}

pub async fn wait_for_outbox_wakes_on_new_orders(store: Store) {
    let waiter = {
        let store = store.clone();
        tokio::spawn(async move {
            let started = tokio::time::Instant::now();
            store.wait_for_outbox(crate::PATIENCE).await;
            started.elapsed()
        })
    };
    // Keep creating until the waiter wakes: it may have subscribed after the first commit.
    let mut waiter = waiter;
    let waited = loop {
        create(&store, "waffle").await;
        if let Ok(joined) = tokio::time::timeout(Duration::from_millis(200), &mut waiter).await {
            break joined.unwrap();
        }
    };
    assert!(
        waited < crate::PATIENCE,
        "wait_for_outbox only returned at its deadline"
    );
}
