//! The per-component roles of `migrations/20261205200001_roles.sql` on a real PostgreSQL: each
//! component's stores do their work under that component's role alone, and each role is
//! refused what its component has no business with (the delivery worker's role cannot update
//! an order, the Order API's cannot delete from the outbox). A pool takes a role with `SET
//! ROLE` on every connection, which drops the login's own privileges for the session.

use std::sync::Arc;

use saga_core::ports::{
    ApplyOutcome, CreateOutcome, DeadLetterLedger, DeadLetterStore, Entropy, NewOrder, OrderStore,
    OsEntropy, PaymentApplication, PruneCutoffs,
};
use saga_core::{Item, PaymentDecision};
use saga_harness::scratch;
use saga_postgres::{
    PgConfig, PgDeadLetterLedger, PgDeadLetters, PgDeliveryStore, PgOrderStore, PgPool,
};
use saga_test_backends::Backend;
use sqlx::Executor;
use sqlx::postgres::PgPoolOptions;
use time::OffsetDateTime;

/// PostgreSQL's SQLSTATE for "permission denied".
const INSUFFICIENT_PRIVILEGE: &str = "42501";

/// A migrated scratch database's URL; `None` (skip, or fail under `CI=true`) without a server.
async fn scratch_url() -> Option<String> {
    let admin = saga_test_backends::address(Backend::Postgres)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    match scratch::create_database(&admin).await {
        Ok(url) => Some(url),
        Err(e) => {
            saga_contract::backend::unavailable("PostgreSQL", &PgConfig::new(&admin).target(), &e)
        }
    }
}

/// A pool on `url` whose every connection acts as `role` only.
async fn pool_as(url: &str, role: &'static str) -> PgPool {
    let options = PgConfig::new(url).connect_options().unwrap();
    PgPoolOptions::new()
        .max_connections(4)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                conn.execute(format!("SET ROLE {role}").as_str()).await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .unwrap_or_else(|e| panic!("connecting as {role}: {e}"))
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp()).unwrap()
}

fn new_order() -> NewOrder {
    NewOrder {
        item: Item::parse("tea").unwrap(),
        correlation_id: OsEntropy.correlation_id(),
        idempotency_key: None,
        owner: None,
        event_id: OsEntropy.event_id(),
        created_at: now(),
        trace: Some(OsEntropy.new_trace()),
        schema: saga_core::event::Schema::V1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_component_does_its_work_under_its_own_role() {
    let Some(url) = scratch_url().await else {
        return;
    };
    let api: Arc<dyn OrderStore> =
        Arc::new(PgOrderStore::new(pool_as(&url, "saga_order_api").await));
    let request = new_order();
    let created = request.event_id;
    let CreateOutcome::Created(order) = api.create_order(request).await.unwrap() else {
        panic!("a new order");
    };
    assert!(api.get_order(order.id).await.unwrap().is_some());
    api.ping().await.unwrap();

    let relay = PgOrderStore::new(pool_as(&url, "saga_outbox_relay").await);
    let claim = relay.claim_outbox(10).await.unwrap();
    let ids: Vec<i64> = claim.records().iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 1, "the order's ORDER_CREATED");
    claim.mark_published(&ids).await.unwrap();
    relay.redrive_stuck(now(), now(), 10).await.unwrap();
    relay.outbox_backlog().await.unwrap();
    relay
        .prune(PruneCutoffs {
            outbox: now(),
            processed_events: now(),
            idempotency_keys: now(),
            batch: 10,
        })
        .await
        .unwrap();

    let status = PgOrderStore::new(pool_as(&url, "saga_order_status_worker").await);
    let applied = status
        .apply_payment(PaymentApplication {
            event_id: OsEntropy.event_id(),
            causation_id: created,
            order_id: order.id,
            decision: PaymentDecision::Success,
            correlation_id: order.correlation_id.clone(),
            at: now(),
            completion_event_id: OsEntropy.event_id(),
            trace: Some(OsEntropy.new_trace()),
            schema: saga_core::event::Schema::V1,
        })
        .await
        .unwrap();
    assert!(matches!(applied, ApplyOutcome::Applied(_)), "{applied:?}");
    assert_eq!(status.status_history(order.id).await.unwrap().len(), 1);

    let delivery = Arc::new(PgDeliveryStore::new(
        pool_as(&url, "saga_delivery_worker").await,
    ));
    saga_contract::delivery_store::assigns_once_per_order(delivery).await;
    // The contract expects the table to itself: a database per consumer.
    for role in [
        "saga_payment_worker",
        "saga_order_status_worker",
        "saga_delivery_worker",
    ] {
        let own = scratch_url().await.unwrap();
        let letters: Arc<dyn DeadLetterStore> = Arc::new(PgDeadLetters::new(
            pool_as(&own, role).await,
            saga_postgres::DEFAULT_CALL_TIMEOUT,
        ));
        saga_contract::dead_letters::keeps_one_letter_per_group_and_source(letters).await;
    }
    let ledger: Arc<dyn DeadLetterLedger> = Arc::new(PgDeadLetterLedger::new(
        pool_as(&url, "saga_explorer").await,
        saga_postgres::DEFAULT_CALL_TIMEOUT,
    ));
    saga_contract::dead_letter_ledger::records_one_action_per_letter_and_keeps_the_first(ledger)
        .await;
    explorer_reads(pool_as(&url, "saga_explorer").await).await;
}

/// The explorer's pages' reads, and keeping the dead-letter index, under its role.
async fn explorer_reads(pool: PgPool) {
    use saga_postgres::{LetterQuery, OrderQuery, PgReads};
    let reads = PgReads::new(pool, saga_postgres::DEFAULT_CALL_TIMEOUT);
    let page = OrderQuery {
        limit: 10,
        ..OrderQuery::default()
    };
    reads.orders(&page).await.expect("orders");
    reads.status_counts(None).await.expect("counts");
    reads
        .stats(time::OffsetDateTime::now_utc())
        .await
        .expect("stats");
    let next = std::collections::BTreeMap::from([((saga_core::Topic::OrdersDlq, 0), 0)]);
    reads
        .index_letters(&[], &next)
        .await
        .expect("keeps the index");
    let letters = LetterQuery {
        limit: 10,
        ..LetterQuery::default()
    };
    reads.letters(&letters).await.expect("letters");
    reads.letter_groups(&letters).await.expect("letter groups");
}

/// What each role must be refused: another component's writes.
const REFUSED: [(&str, &str); 9] = [
    (
        "saga_delivery_worker",
        "UPDATE orders SET status = 'CANCELLED'",
    ),
    ("saga_delivery_worker", "SELECT count(*) FROM outbox"),
    ("saga_order_api", "DELETE FROM outbox"),
    ("saga_order_api", "UPDATE orders SET status = 'COMPLETED'"),
    (
        "saga_outbox_relay",
        "UPDATE orders SET status = 'COMPLETED'",
    ),
    ("saga_order_status_worker", "DELETE FROM outbox"),
    ("saga_payment_worker", "SELECT count(*) FROM orders"),
    ("saga_explorer", "DELETE FROM dead_letters"),
    ("saga_auditor", "UPDATE orders SET updated_at = now()"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_is_refused_what_its_component_has_no_business_with() {
    let Some(url) = scratch_url().await else {
        return;
    };
    for (role, statement) in REFUSED {
        let pool = pool_as(&url, role).await;
        let error = pool
            .execute(statement)
            .await
            .expect_err(&format!("{role} may not run {statement}"));
        let code = error.as_database_error().and_then(|e| e.code());
        assert_eq!(
            code.as_deref(),
            Some(INSUFFICIENT_PRIVILEGE),
            "{role}: {statement}: {error}"
        );
        pool.close().await;
    }
}
