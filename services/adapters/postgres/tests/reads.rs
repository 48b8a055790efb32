//! The operators' bounded reads on a real PostgreSQL: orders by keyset page and filter with
//! their counts, and the dead-letter index, which two readers may fill with the same records
//! at once without listing or counting anything twice.

use std::collections::BTreeMap;
use std::time::Duration;

use saga_core::event::{Original, RejectedBy, Rejection, RejectionCode, RejectionSource};
use saga_core::ports::{
    DeadLetterAction, DeadLetterActionKind, DeadLetterLedger, DeadLetterStore, NewOrder, OrderStore,
};
use saga_core::{
    CorrelationId, Envelope, EventId, Item, OrderId, OrderStatus, Owner, Topic, TraceParent,
};
use saga_harness::scratch;
use saga_postgres::{
    LetterQuery, LetterRecord, OrderQuery, PgConfig, PgDeadLetterLedger, PgDeadLetters,
    PgOrderStore, PgPool, PgReads,
};
use saga_test_backends::Backend;
use time::OffsetDateTime;

async fn pool() -> Option<PgPool> {
    let admin = saga_test_backends::address(Backend::Postgres)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    match scratch::create_database(&admin).await {
        Ok(url) => Some(PgConfig::new(url).connect().await.expect("connects")),
        Err(e) => {
            saga_contract::backend::unavailable("PostgreSQL", &PgConfig::new(&admin).target(), &e)
        }
    }
}

const DEADLINE: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_come_newest_first_by_keyset_pages_under_filters() {
    let Some(pool) = pool().await else { return };
    let store = PgOrderStore::new(pool.clone());
    // PostgreSQL stamps each order's created_at with its own clock, one after another.
    let mut created_at = Vec::new();
    for n in 0..25u128 {
        let owner = if n % 5 == 0 { "shop-a" } else { "shop-b" };
        let outcome = store
            .create_order(NewOrder {
                item: Item::parse(if n % 2 == 0 { "Tea" } else { "meal" }).unwrap(),
                correlation_id: CorrelationId::parse("reads").unwrap(),
                idempotency_key: None,
                owner: Some(Owner::parse(owner).unwrap()),
                event_id: EventId::from_random_bits(n + 1),
                created_at: OffsetDateTime::now_utc(),
                trace: None,
                schema: saga_core::event::Schema::V1,
            })
            .await
            .unwrap();
        created_at.push(outcome.order().created_at);
    }
    let reads = PgReads::new(pool, DEADLINE);
    let ids = |orders: &[saga_core::Order]| orders.iter().map(|o| o.id.get()).collect::<Vec<_>>();
    let first = reads
        .orders(&OrderQuery {
            limit: 10,
            ..OrderQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&first), (16..=25).rev().collect::<Vec<_>>());
    let next = reads
        .orders(&OrderQuery {
            before: Some(OrderId::new(16).unwrap()),
            limit: 10,
            ..OrderQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&next), (6..=15).rev().collect::<Vec<_>>());

    let tea_of_a = OrderQuery {
        item: Some("TEA".into()),
        owner: Some("shop-a".into()),
        limit: 100,
        ..OrderQuery::default()
    };
    assert_eq!(ids(&reads.orders(&tea_of_a).await.unwrap()), [21, 11, 1]);
    assert_eq!(reads.count(&tea_of_a).await.unwrap(), 3);
    let stuck = OrderQuery {
        pending_since_before: Some(created_at[3]),
        limit: 100,
        ..OrderQuery::default()
    };
    assert_eq!(ids(&reads.orders(&stuck).await.unwrap()), [3, 2, 1]);
    let like = OrderQuery {
        item: Some("%".into()),
        limit: 100,
        ..OrderQuery::default()
    };
    assert!(
        reads.orders(&like).await.unwrap().is_empty(),
        "% is matched literally"
    );
    assert_eq!(
        reads.status_counts(Some("shop-b")).await.unwrap(),
        [(OrderStatus::Pending, 20)]
    );
}

fn rejection(n: u64, code: RejectionCode, at: OffsetDateTime) -> Envelope {
    let rejection = Rejection {
        code,
        reason: "test".into(),
        source: RejectionSource {
            topic: Topic::Orders,
            partition: 0,
            offset: n,
            key: Some(n.to_string()),
            correlation_id: None,
        },
        rejected_by: RejectedBy {
            group: "payment-worker".into(),
            component: "payment-worker".into(),
        },
        attempts: 1,
        original: Original::whole(format!("junk {n}").into_bytes()),
        replay_count: 0,
    };
    let at = at + time::Duration::seconds(i64::try_from(n).unwrap());
    Envelope::rejected(
        EventId::from_random_bits(u128::from(n) + 100),
        at,
        rejection,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dead_letter_index_lists_each_letter_once_by_page() {
    let Some(pool) = pool().await else { return };
    let reads = PgReads::new(pool.clone(), DEADLINE);
    let at = OffsetDateTime::now_utc() - time::Duration::hours(1);
    let mut records: Vec<LetterRecord> = (0..5u64)
        .map(|n| {
            let code = if n < 3 {
                RejectionCode::Undecodable
            } else {
                RejectionCode::UnknownOrder
            };
            LetterRecord {
                topic: Topic::OrdersDlq,
                partition: 0,
                offset: n,
                payload: rejection(n, code, at).to_bytes(),
                trace: Some(TraceParent::from_random_bits(u128::from(n) + 1, 7)),
            }
        })
        .collect();
    records.push(LetterRecord {
        topic: Topic::OrdersDlq,
        partition: 0,
        offset: 5,
        payload: b"not a rejection".to_vec(),
        trace: None,
    });
    let next = BTreeMap::from([((Topic::OrdersDlq, 0), 6)]);
    // Two readers that read the same records index them in turn: the second adds nothing.
    let (a, b) = tokio::join!(
        reads.index_letters(&records, &next),
        reads.index_letters(&records, &next)
    );
    a.unwrap();
    b.unwrap();
    assert_eq!(reads.index_positions().await.unwrap(), next);
    assert_eq!(reads.unreadable_letters().await.unwrap(), 1, "counted once");

    let table = PgDeadLetters::new(pool.clone(), DEADLINE);
    table
        .keep(
            &rejection(9, RejectionCode::Undecodable, at),
            "DLQ refused it",
        )
        .await
        .unwrap();
    let ledger = PgDeadLetterLedger::new(pool, DEADLINE);
    let closed = rejection(0, RejectionCode::Undecodable, at).event_id;
    ledger
        .record(&DeadLetterAction {
            dead_letter: closed,
            kind: DeadLetterActionKind::Discarded,
            actor: "ops".into(),
            why: String::new(),
            at,
        })
        .await
        .unwrap();

    let open = LetterQuery {
        limit: 3,
        ..LetterQuery::default()
    };
    let page = reads.letters(&open).await.unwrap();
    // A replay read through the index continues the rejection's trace.
    let traces: Vec<_> = page
        .iter()
        .map(|l| l.envelope.trace.map(|t| t.trace_id().as_u128()))
        .collect();
    assert_eq!(traces, [Some(2), Some(3), Some(4)]);
    let offsets: Vec<_> = page.iter().map(|l| l.on_topic.map(|(_, _, o)| o)).collect();
    assert_eq!(
        offsets,
        [Some(1), Some(2), Some(3)],
        "open ones, oldest first"
    );
    let last = &page[2].envelope;
    let rest = reads
        .letters(&LetterQuery {
            after: Some((last.occurred_at, last.event_id)),
            ..open.clone()
        })
        .await
        .unwrap();
    let offsets: Vec<_> = rest.iter().map(|l| l.on_topic.map(|(_, _, o)| o)).collect();
    assert_eq!(offsets, [Some(4), None], "then the table's letter");

    let all = LetterQuery {
        closed_too: true,
        limit: 100,
        ..LetterQuery::default()
    };
    let groups = reads.letter_groups(&all).await.unwrap();
    let counts: Vec<_> = groups
        .iter()
        .map(|g| (g.reason, g.total, g.open, g.in_table))
        .collect();
    assert_eq!(
        counts,
        [
            (RejectionCode::Undecodable, 4, 3, 1),
            (RejectionCode::UnknownOrder, 2, 2, 0)
        ]
    );
    let found = reads
        .letter(closed)
        .await
        .unwrap()
        .expect("listed closed too");
    assert_eq!(
        found.action.map(|a| a.kind),
        Some(DeadLetterActionKind::Discarded)
    );
}
