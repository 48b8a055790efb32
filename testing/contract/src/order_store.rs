//! The order store contract (see `saga_core::ports::OrderStore`).

use std::sync::Arc;
use std::time::Duration;

use saga_core::event::{DecodeError, Schema, decode, decode_up_to};
use saga_core::ports::{
    ApplyOutcome, CreateOutcome, Entropy, NewOrder, OrderStore, OsEntropy, PaymentApplication,
    PruneCutoffs, Pruned,
};
use saga_core::{
    EventBody, EventId, IdempotencyKey, Item, OrderId, OrderStatus, Owner, PaymentDecision, Topic,
    TraceParent,
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
        trace: None,
        schema: saga_core::event::Schema::V1,
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

/// A new order and its ORDER_CREATED event id, which its payments must name.
struct Placed {
    order: saga_core::Order,
    created: EventId,
}

async fn place(store: &Store, item: &str) -> Placed {
    let request = new_order(item, None);
    let created = request.event_id;
    match store.create_order(request).await.unwrap() {
        CreateOutcome::Created(order) => Placed { order, created },
        other => panic!("expected a new order, got {other:?}"),
    }
}

fn payment(placed: &Placed, decision: PaymentDecision) -> PaymentApplication {
    PaymentApplication {
        event_id: OsEntropy.event_id(),
        causation_id: placed.created,
        order_id: placed.order.id,
        decision,
        correlation_id: placed.order.correlation_id.clone(),
        at: now(),
        completion_event_id: OsEntropy.event_id(),
        trace: None,
        schema: saga_core::event::Schema::V1,
    }
}

/// `stamped` is a time the store wrote by its own clock (PostgreSQL's `now()`; the memory store
/// shares its callers' clock), so not later than that clock reads now.
async fn assert_stamped(store: &Store, stamped: OffsetDateTime) {
    let now = store.database_time().await.unwrap();
    assert!(
        stamped <= now,
        "stamped {stamped}, the store's clock reads {now}"
    );
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
    assert_eq!(first.created_at, first.updated_at);
    assert_stamped(&store, first.created_at).await;
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
    let placed = place(&store, "pie").await;
    let success = payment(&placed, PaymentDecision::Success);
    assert_eq!(
        store.apply_payment(success.clone()).await.unwrap(),
        ApplyOutcome::Applied(OrderStatus::Completed)
    );
    assert_eq!(
        store.apply_payment(success).await.unwrap(),
        ApplyOutcome::Duplicate
    );
    let agreeing = payment(&placed, PaymentDecision::Success);
    assert_eq!(
        store.apply_payment(agreeing.clone()).await.unwrap(),
        ApplyOutcome::AlreadyTerminal(OrderStatus::Completed)
    );
    assert_eq!(
        store.apply_payment(agreeing).await.unwrap(),
        ApplyOutcome::Duplicate
    );
    let stored = store.get_order(placed.order.id).await.unwrap().unwrap();
    assert_eq!(stored.status, OrderStatus::Completed);
    assert!(stored.updated_at >= stored.created_at);

    let cancelled = place(&store, "tart").await;
    assert_eq!(
        store
            .apply_payment(payment(&cancelled, PaymentDecision::Failed))
            .await
            .unwrap(),
        ApplyOutcome::Applied(OrderStatus::Cancelled)
    );
}

pub async fn a_contradicting_payment_is_reported_and_not_recorded(store: Store) {
    let placed = place(&store, "flan").await;
    let failed = payment(&placed, PaymentDecision::Failed);
    store.apply_payment(failed).await.unwrap();
    let contrary = payment(&placed, PaymentDecision::Success);
    for _ in 0..2 {
        // Not recorded: a redelivery is judged (and dead-lettered) again, never "duplicate".
        assert_eq!(
            store.apply_payment(contrary.clone()).await.unwrap(),
            ApplyOutcome::Contradicts(OrderStatus::Cancelled)
        );
    }
    let stored = store.get_order(placed.order.id).await.unwrap().unwrap();
    assert_eq!(stored.status, OrderStatus::Cancelled);
}

pub async fn a_payment_naming_another_event_is_not_applied(store: Store) {
    let placed = place(&store, "stew").await;
    let mut forged = payment(&placed, PaymentDecision::Success);
    forged.causation_id = OsEntropy.event_id();
    assert_eq!(
        store.apply_payment(forged).await.unwrap(),
        ApplyOutcome::WrongCausation
    );
    let stored = store.get_order(placed.order.id).await.unwrap().unwrap();
    assert_eq!(stored.status, OrderStatus::Pending);
}

pub async fn completing_an_order_writes_order_completed_to_the_outbox(store: Store) {
    let placed = place(&store, "cake").await;
    let cancelled = place(&store, "crumble").await;
    store
        .apply_payment(payment(&cancelled, PaymentDecision::Failed))
        .await
        .unwrap();
    let success = payment(&placed, PaymentDecision::Success);
    store.apply_payment(success.clone()).await.unwrap();
    store.apply_payment(success.clone()).await.unwrap();
    let claim = store.claim_outbox(1000).await.unwrap();
    let completions: Vec<_> = claim
        .records()
        .iter()
        .map(|r| (r, decode(&r.payload).expect("outbox payloads decode")))
        .filter(|(_, e)| matches!(e.body, EventBody::OrderCompleted { .. }))
        .collect();
    assert_eq!(
        completions.len(),
        1,
        "one ORDER_COMPLETED, for the completed order only"
    );
    let (record, envelope) = &completions[0];
    assert_eq!(
        (record.topic, record.key.as_str()),
        (Topic::Orders, placed.order.id.key().as_str())
    );
    assert_eq!(envelope.event_id, success.completion_event_id);
    assert_eq!(envelope.causation_id, Some(success.event_id));
    assert_eq!(envelope.correlation_id, placed.order.correlation_id);
}

/// A writer switched to schema 2 gets its outbox events in schema 2, the trace inside the bytes
/// (the PostgreSQL store splices the order id into bytes it builds beforehand).
pub async fn outbox_events_are_written_in_the_writers_schema(store: Store) {
    let trace = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        .expect("a valid traceparent");
    let request = NewOrder {
        trace: Some(trace),
        schema: Schema::V2,
        ..new_order("dumplings", None)
    };
    let created = request.event_id;
    let order = store.create_order(request).await.unwrap().order().clone();
    let placed = Placed { order, created };
    let success = PaymentApplication {
        trace: Some(trace),
        schema: Schema::V2,
        ..payment(&placed, PaymentDecision::Success)
    };
    store.apply_payment(success.clone()).await.unwrap();
    let claim = store.claim_outbox(1000).await.unwrap();
    for event in [created, success.completion_event_id] {
        let record = claim
            .records()
            .iter()
            .find(|r| r.event_id == event)
            .expect("the event is in the outbox");
        let envelope = decode(&record.payload).expect("schema 2 decodes");
        assert_eq!(envelope.trace, Some(trace));
        assert_eq!(envelope.order_id(), Some(placed.order.id));
        assert_eq!(
            decode_up_to(&record.payload, Schema::V1),
            Err(DecodeError::UnsupportedVersion("2".into())),
            "a schema 1 reader refuses it"
        );
    }
}

pub async fn concurrent_payments_apply_once(store: Store) {
    let placed = place(&store, "soup").await;
    let decisions = [PaymentDecision::Success, PaymentDecision::Failed];
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            let application = payment(&placed, decisions[i % 2]);
            tokio::spawn(async move { store.apply_payment(application).await.unwrap() })
        })
        .collect();
    let mut applied = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            ApplyOutcome::Applied(status) => applied.push(status),
            ApplyOutcome::AlreadyTerminal(_) | ApplyOutcome::Contradicts(_) => {}
            other => panic!("distinct events for one order: {other:?}"),
        }
    }
    assert_eq!(applied.len(), 1, "exactly one event moves the order");
    let stored = store.get_order(placed.order.id).await.unwrap().unwrap();
    assert_eq!(stored.status, applied[0]);
}

pub async fn unknown_order_is_reported(store: Store) {
    let placed = place(&store, "ghost").await;
    let mut application = payment(&placed, PaymentDecision::Success);
    application.order_id = OrderId::new(i64::MAX - 2).unwrap();
    assert_eq!(
        store.apply_payment(application).await.unwrap(),
        ApplyOutcome::UnknownOrder
    );
}

pub async fn stuck_orders_are_redriven_once_per_interval_with_the_same_event(store: Store) {
    let stuck = place(&store, "late").await;
    let done = place(&store, "done").await;
    store
        .apply_payment(payment(&done, PaymentDecision::Failed))
        .await
        .unwrap();
    // Published, then lost downstream: nothing will ever move the order.
    let claim = store.claim_outbox(1000).await.unwrap();
    let ids: Vec<i64> = claim.records().iter().map(|r| r.id).collect();
    claim.mark_published(&ids).await.unwrap();
    let young = stuck.order.created_at - time::Duration::seconds(1);
    assert_eq!(
        store
            .redrive_stuck(young, now(), 100)
            .await
            .unwrap()
            .redriven,
        0
    );
    let later = now() + time::Duration::seconds(60);
    let first = store.redrive_stuck(later, later, 100).await.unwrap();
    assert!(first.stuck >= 1 && first.redriven >= 1, "{first:?}");
    let claim = store.claim_outbox(1000).await.unwrap();
    let again: Vec<_> = claim.records().iter().map(|r| r.event_id).collect();
    assert!(
        again.contains(&stuck.created),
        "the same ORDER_CREATED is published again"
    );
    assert!(
        !again.contains(&done.created),
        "a terminal order is never re-driven"
    );
    let ids: Vec<i64> = claim.records().iter().map(|r| r.id).collect();
    claim.mark_published(&ids).await.unwrap();
    let soon = store.redrive_stuck(later, later, 100).await.unwrap();
    assert_eq!(soon.redriven, 0, "at most once per interval");
    let next = later + time::Duration::seconds(60);
    assert!(store.redrive_stuck(next, next, 100).await.unwrap().redriven >= 1);
}

pub async fn redrives_of_one_stuck_order_back_off_as_it_ages(store: Store) {
    let stuck = place(&store, "long outage").await;
    let claim = store.claim_outbox(1000).await.unwrap();
    let ids: Vec<i64> = claim.records().iter().map(|r| r.id).collect();
    claim.mark_published(&ids).await.unwrap();
    let window = time::Duration::seconds(60);
    let created = stuck.order.created_at;
    // Re-drives the order if due at `at` (stuck window 60 s), publishing the copy; whether it did.
    let look = async |at: OffsetDateTime| {
        store.redrive_stuck(at - window, at, 1000).await.unwrap();
        let claim = store.claim_outbox(1000).await.unwrap();
        let mine = claim.records().iter().any(|r| r.event_id == stuck.created);
        let ids: Vec<i64> = claim.records().iter().map(|r| r.id).collect();
        claim.mark_published(&ids).await.unwrap();
        mine
    };
    let first = created + time::Duration::seconds(61);
    assert!(look(first).await, "stuck for a window: re-driven");
    // Its age at that re-drive was 61 s: not again before 61 s have passed.
    assert!(!look(first + time::Duration::seconds(60)).await);
    let second = first + time::Duration::seconds(62);
    assert!(look(second).await, "61 s later: re-driven again");
    // Now 123 s old at its last re-drive: a window later is too soon.
    assert!(!look(second + time::Duration::seconds(100)).await);
    let third = second + time::Duration::seconds(124);
    assert!(look(third).await, "124 s later: again");
    // 247 s old: the wait is capped at four windows (240 s).
    assert!(!look(third + time::Duration::seconds(200)).await);
    assert!(
        look(third + time::Duration::seconds(241)).await,
        "capped at four windows"
    );
}

pub async fn prune_removes_only_what_is_old_enough(store: Store) {
    let key = unique_key();
    let keyed = store
        .create_order(new_order("old", Some(&key)))
        .await
        .unwrap()
        .order()
        .clone();
    let pending = place(&store, "pending").await;
    let done = place(&store, "done").await;
    store
        .apply_payment(payment(&done, PaymentDecision::Success))
        .await
        .unwrap();
    let claim = store.claim_outbox(1000).await.unwrap();
    let ids: Vec<i64> = claim.records().iter().map(|r| r.id).collect();
    claim.mark_published(&ids).await.unwrap();
    let past = keyed.created_at - time::Duration::seconds(10);
    let nothing = PruneCutoffs {
        outbox: past,
        processed_events: past,
        idempotency_keys: past,
        batch: 1000,
    };
    assert_eq!(store.prune(nothing).await.unwrap(), Pruned::default());
    let future = now() + time::Duration::days(1);
    let everything = PruneCutoffs {
        outbox: future,
        processed_events: future,
        idempotency_keys: future,
        batch: 1000,
    };
    let pruned = store.prune(everything).await.unwrap();
    assert!(pruned.outbox >= 2, "{pruned:?}");
    assert!(
        pruned.processed_events >= 1 && pruned.idempotency_keys >= 1,
        "{pruned:?}"
    );
    // The PENDING order's ORDER_CREATED stays, for the reconciler.
    let later = future + time::Duration::days(1);
    store.redrive_stuck(later, later, 1000).await.unwrap();
    let claim = store.claim_outbox(1000).await.unwrap();
    assert!(
        claim
            .records()
            .iter()
            .any(|r| r.event_id == pending.created)
    );
    drop(claim);
    // A forgotten key creates a new order.
    let again = store
        .create_order(new_order("old", Some(&key)))
        .await
        .unwrap();
    assert!(
        matches!(again, CreateOutcome::Created(ref o) if o.id != keyed.id),
        "{again:?}"
    );
}

pub async fn records_each_status_change_with_its_event(store: Store) {
    let placed = place(&store, "stew").await;
    let id = placed.order.id;
    assert_eq!(store.status_history(id).await.unwrap(), vec![]);
    let failed = payment(&placed, PaymentDecision::Failed);
    store.apply_payment(failed.clone()).await.unwrap();
    // A redelivery, a contrary event and a duplicate of it, a payment naming another event:
    // none changes anything, so none is recorded.
    store.apply_payment(failed.clone()).await.unwrap();
    let contrary = payment(&placed, PaymentDecision::Success);
    store.apply_payment(contrary.clone()).await.unwrap();
    store.apply_payment(contrary).await.unwrap();
    let mut foreign = payment(&placed, PaymentDecision::Failed);
    foreign.causation_id = OsEntropy.event_id();
    store.apply_payment(foreign).await.unwrap();
    let history = store.status_history(id).await.unwrap();
    let changes: Vec<_> = history
        .iter()
        .map(|c| (c.order_id, c.from, c.to, c.event_id))
        .collect();
    for change in &history {
        assert_stamped(&store, change.at).await;
    }
    assert_eq!(
        changes,
        vec![(
            id,
            OrderStatus::Pending,
            OrderStatus::Cancelled,
            failed.event_id,
        )]
    );
    let other = place(&store, "broth").await;
    assert_eq!(store.status_history(other.order.id).await.unwrap(), vec![]);
    let unknown = OrderId::new(i64::MAX - 3).unwrap();
    let mut ghost = payment(&other, PaymentDecision::Success);
    ghost.order_id = unknown;
    store.apply_payment(ghost).await.unwrap();
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
