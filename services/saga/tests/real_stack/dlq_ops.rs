//! `saga dlq` on the real stack: a non-JSON record written to `orders` is listed under its
//! reason, naming each consumer group that rejected it; an order whose ORDER_CREATED the
//! payment worker rejected (its stored decision was garbage) is applied and turns terminal
//! once the cause is removed and the letter replayed; a replayed record whose cause remains
//! comes back with replay count 1; a discard leaves the open list and records why; a client
//! key may not act.

use std::process::Output;
use std::time::Duration;

use saga_api::auth::{Role, entry};
use saga_components::registry;
use saga_core::ports::{Entropy, EventBus, NewOrder, OrderStore, OsEntropy, OutgoingMessage};
use saga_core::{CorrelationId, EventId, Item, OrderStatus, Owner, Topic};
use saga_postgres::{PgConfig, PgOrderStore};

use crate::deployment::Deployment;
use crate::outsider::{producer, repair_decision, spoil_decision};
use crate::{PATIENCE, SERIAL, backends};

pub(crate) const OPERATOR_KEY: &str = "ops-test-key";

pub(crate) fn keys() -> String {
    let ops = Owner::parse("ops").unwrap();
    format!(
        "{},{}",
        saga_harness::dev_api_keys(),
        entry(&ops, Role::Operator, OPERATOR_KEY)
    )
}

fn dlq(saga: &Deployment, args: &[&str], key: &str) -> Output {
    let mut all = vec!["dlq"];
    all.extend_from_slice(args);
    let keys = keys();
    saga.tool(
        Some(registry::EXPLORER),
        &all,
        &[("API_KEYS", &keys), ("SAGA_API_KEY", key)],
    )
    .output()
    .expect("running saga dlq")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The ids listed under the group header starting with `header`.
fn ids_under(listing: &str, header: &str) -> Vec<EventId> {
    let mut ids = Vec::new();
    let mut inside = false;
    for line in listing.lines() {
        if !line.starts_with(' ') {
            inside = line.starts_with(header);
        } else if inside {
            ids.push(line.split_whitespace().next().unwrap().parse().unwrap());
        }
    }
    ids
}

/// Polls `saga dlq list` until every header in `wanted` lists at least one letter.
async fn await_listed(saga: &Deployment, wanted: &[&str]) -> String {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let listing = stdout(&dlq(saga, &["list"], ""));
        if wanted.iter().all(|h| !ids_under(&listing, h).is_empty()) {
            return listing;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not all of {wanted:?} listed:\n{listing}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_listed_replayed_and_discarded() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "dlq-ops").await;
    saga.start_all().await;

    // An order whose payment decision is stored as garbage before its ORDER_CREATED is
    // published: the payment worker's read fails permanently and dead-letters it.
    let event_id = OsEntropy.event_id();
    spoil_decision(&saga, event_id).await;
    let pool = PgConfig::new(&saga.database_direct)
        .connect()
        .await
        .unwrap();
    let store = PgOrderStore::new(pool);
    let created = store
        .create_order(NewOrder {
            item: Item::parse("blocked meal").unwrap(),
            correlation_id: CorrelationId::parse("dlq-ops").unwrap(),
            idempotency_key: None,
            owner: None,
            event_id,
            created_at: time::OffsetDateTime::now_utc(),
            trace: None,
            schema: saga_core::event::Schema::V1,
        })
        .await
        .unwrap();
    let order = created.order().id;
    producer(&saga)
        .await
        .publish(vec![OutgoingMessage {
            topic: Topic::Orders,
            key: "junk".into(),
            payload: b"\xff\xfe not json".to_vec(),
            correlation_id: None,
            replay: None,
            trace: None,
        }])
        .await
        .unwrap();

    let undecodable = "undecodable on orders, rejected by payment-worker";
    let undecodable_delivery = "undecodable on orders, rejected by delivery-worker";
    let failed = "handler_failed on orders, rejected by payment-worker";
    let listing = await_listed(&saga, &[undecodable, undecodable_delivery, failed]).await;
    let junk = ids_under(&listing, undecodable)[0];
    let junk_delivery = ids_under(&listing, undecodable_delivery)[0];
    let blocked = ids_under(&listing, failed)[0];

    // A client key may not act; nothing is recorded.
    let refused = dlq(
        &saga,
        &["replay", &blocked.to_string()],
        saga_harness::DEV_API_KEY,
    );
    assert!(!refused.status.success());
    let text = String::from_utf8_lossy(&refused.stderr);
    assert!(text.contains("client key"), "{text}");

    // Cause removed: the replay is applied and the order it blocked turns terminal.
    repair_decision(&saga, event_id).await;
    let replayed = dlq(
        &saga,
        &["replay", &blocked.to_string(), "--why", "decision repaired"],
        OPERATOR_KEY,
    );
    assert!(replayed.status.success(), "{replayed:?}");
    assert!(stdout(&replayed).contains("replayed to"), "{replayed:?}");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let now = store.get_order(order).await.unwrap().unwrap();
        if now.status != OrderStatus::Pending {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "order {order} still PENDING"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Replaying it again does nothing and says who replayed it.
    let again = dlq(&saga, &["replay", &blocked.to_string()], OPERATOR_KEY);
    assert!(!again.status.success());
    let text = String::from_utf8_lossy(&again.stderr);
    assert!(text.contains("already replayed by ops"), "{text}");

    // Cause remains: the non-JSON record comes back, rejected again, with replay count 1.
    let replayed = dlq(&saga, &["replay", &junk.to_string()], OPERATOR_KEY);
    assert!(replayed.status.success(), "{replayed:?}");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let back = loop {
        let listing = stdout(&dlq(&saga, &["list"], ""));
        let open: Vec<_> = ids_under(&listing, undecodable);
        let line = listing
            .lines()
            .find(|l| open.iter().any(|id| l.contains(&id.to_string())) && l.contains("replays 1"));
        if let Some(line) = line {
            break line.to_owned();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no re-rejection:\n{listing}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(
        !back.contains(&junk.to_string()),
        "a new dead letter: {back}"
    );

    // Discard: gone from the open list, recorded with who and why.
    let discarded = dlq(
        &saga,
        &[
            "discard",
            &junk_delivery.to_string(),
            "--why",
            "garbage, not ours",
        ],
        OPERATOR_KEY,
    );
    assert!(discarded.status.success(), "{discarded:?}");
    let open = stdout(&dlq(&saga, &["list"], ""));
    assert!(!open.contains(&junk_delivery.to_string()), "{open}");
    let shown = stdout(&dlq(&saga, &["show", &junk_delivery.to_string()], ""));
    assert!(shown.contains("discarded by ops"), "{shown}");
    assert!(shown.contains("garbage, not ours"), "{shown}");
}
