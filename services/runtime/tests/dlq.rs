//! Dead-letter operations on the memory backends: the DLQ topics and the table gathered into
//! one list with filters; a replay re-publishes the original with its key, correlation id and
//! replay headers and is recorded, a second replay does nothing; a dry run publishes nothing;
//! a truncated original refuses to replay and says why; a discard closes the letter and
//! records who and why.

use saga_core::event::{Original, RejectedBy, Rejection, RejectionCode, RejectionSource};
use saga_core::ports::{DeadLetterActionKind, DeadLetterLedger, DeadLetterStore, ReplayMark};
use saga_core::{CorrelationId, Envelope, EventId, Topic};
use saga_memory::{MemoryDeadLetterLedger, MemoryDeadLetters, MemoryEventBus};
use saga_runtime::dlq::{self, Actor, DlqError, Filter, Kept};
use time::macros::datetime;

fn rejected(n: u128, code: RejectionCode, topic: Topic, original: Original) -> Envelope {
    Envelope::rejected(
        EventId::from_random_bits(n),
        datetime!(2026-11-27 10:00 UTC) + time::Duration::seconds(n as i64),
        Rejection {
            code,
            reason: format!("reason {n}"),
            source: RejectionSource {
                topic,
                partition: 0,
                offset: n as u64,
                key: Some(format!("key-{n}")),
                correlation_id: CorrelationId::parse(&format!("corr-{n}")),
            },
            rejected_by: RejectedBy {
                group: "payment-worker".into(),
                component: "payment-worker".into(),
            },
            attempts: 1,
            original,
            replay_count: 0,
        },
    )
}

fn on_dlq(bus: &MemoryEventBus, envelope: &Envelope, topic: Topic) {
    bus.append(&[saga_core::ports::OutgoingMessage {
        topic: topic.dlq(),
        key: "k".into(),
        payload: envelope.to_bytes(),
        correlation_id: None,
        replay: None,
        trace: None,
    }]);
}

fn actor(why: &str) -> Actor {
    Actor {
        name: "ops".into(),
        why: why.into(),
        at: datetime!(2026-11-27 11:00 UTC),
        request: None,
        max_age: saga_core::redelivery::DEFAULT_REPUBLISH_MAX_AGE,
    }
}

#[tokio::test]
async fn replay_and_discard_act_once_and_are_recorded() {
    let bus = MemoryEventBus::new(1);
    let table = MemoryDeadLetters::new();
    let ledger = MemoryDeadLetterLedger::new();
    let garbage = rejected(
        1,
        RejectionCode::Undecodable,
        Topic::Orders,
        Original::whole(b"not json".to_vec()),
    );
    let unknown = rejected(
        2,
        RejectionCode::UnknownOrder,
        Topic::Payments,
        Original::whole(b"{}".to_vec()),
    );
    on_dlq(&bus, &garbage, Topic::Orders);
    on_dlq(&bus, &unknown, Topic::Payments);
    // A record on a DLQ topic that is not a rejection is counted, not listed.
    on_dlq(
        &bus,
        &rejected(
            9,
            RejectionCode::Undecodable,
            Topic::Orders,
            Original::whole(vec![]),
        ),
        Topic::Orders,
    );
    bus.append(&[saga_core::ports::OutgoingMessage {
        topic: Topic::OrdersDlq,
        key: "k".into(),
        payload: b"junk".to_vec(),
        correlation_id: None,
        replay: None,
        trace: None,
    }]);
    let big = Original::whole(vec![b'#'; 10_000]);
    let truncated = Original {
        bytes: big.bytes[..100].to_vec(),
        truncated: true,
        ..big
    };
    let cut = rejected(3, RejectionCode::Undecodable, Topic::Orders, truncated);
    table.keep(&cut, "DLQ refused").await.unwrap();

    let gather = |bus: &MemoryEventBus| {
        let snapshot = bus.snapshot();
        let table = table.clone();
        let ledger = ledger.clone();
        async move {
            let kept = table.list().await.unwrap();
            let actions = ledger.actions().await.unwrap();
            dlq::gather(&snapshot.records, &kept, &actions)
        }
    };
    let (letters, unreadable) = gather(&bus).await;
    assert_eq!(unreadable, 1);
    let ids: Vec<_> = letters.iter().map(|l| l.id).collect();
    let id = EventId::from_random_bits;
    assert_eq!(ids, vec![id(1), id(2), id(3), id(9)]);
    assert_eq!(letters[2].kept, Kept::Table);
    assert!(matches!(
        letters[0].kept,
        Kept::Topic {
            topic: Topic::OrdersDlq,
            ..
        }
    ));
    let orders_undecodable = Filter {
        reason: Some(RejectionCode::Undecodable),
        topic: Some(Topic::Orders),
        closed_too: false,
    };
    let picked: Vec<_> = letters
        .iter()
        .filter(|l| orders_undecodable.admits(l))
        .map(|l| l.id)
        .collect();
    assert_eq!(picked, vec![id(1), id(3), id(9)]);

    // A letter rejected longer ago than the republish age is not replayed: consumers may have
    // pruned what deduplicates its event.
    let strict = Actor {
        // letters[0] was rejected at 10:00:01; the actor acts at 11:00.
        max_age: std::time::Duration::from_secs(3598),
        ..actor("too late")
    };
    let before = bus.snapshot().records.len();
    match dlq::replay(&bus, &ledger, &letters[0], &strict, false).await {
        Err(DlqError::TooOld { age, max, .. }) => assert_eq!((age, max), (3599, 3598)),
        other => panic!("expected TooOld, got {other:?}"),
    }
    assert_eq!(bus.snapshot().records.len(), before, "nothing published");

    // A dry run says what it would publish and publishes nothing.
    let before = bus.snapshot().records.len();
    let dry = dlq::replay(&bus, &ledger, &letters[0], &actor("try"), true)
        .await
        .unwrap();
    assert!(!dry.published);
    assert_eq!(bus.snapshot().records.len(), before);

    let done = dlq::replay(&bus, &ledger, &letters[0], &actor("schema fixed"), false)
        .await
        .unwrap();
    assert!(done.published);
    let records = bus.snapshot().records;
    let on_orders: Vec<_> = records
        .iter()
        .filter(|r| r.topic == Topic::Orders)
        .collect();
    assert_eq!(on_orders.len(), 1, "one replay on the source topic");
    let replayed = on_orders[0];
    assert_eq!(replayed.key.as_deref(), Some("key-1"));
    assert_eq!(replayed.payload, b"not json");
    assert_eq!(done.message.correlation_id, CorrelationId::parse("corr-1"));
    assert_eq!(
        done.message.replay,
        Some(ReplayMark {
            dead_letter: id(1),
            count: 1
        })
    );

    // Replaying again (a second click, a stale page) publishes nothing and says who did it.
    let (letters, _) = gather(&bus).await;
    let again = dlq::replay(&bus, &ledger, &letters[0], &actor("again"), false).await;
    match again {
        Err(DlqError::AlreadyActed { action, .. }) => {
            assert_eq!(action.kind, DeadLetterActionKind::Replayed { count: 1 });
            assert_eq!(
                (action.actor.as_str(), action.why.as_str()),
                ("ops", "schema fixed")
            );
        }
        other => panic!("expected AlreadyActed, got {other:?}"),
    }
    assert_eq!(bus.snapshot().records.len(), records.len());

    // A truncated original cannot be replayed, and the error says so.
    let refused = dlq::replay(&bus, &ledger, &letters[2], &actor("x"), false)
        .await
        .unwrap_err();
    let text = refused.to_string();
    assert!(
        text.contains("10000 bytes") && text.contains("first 100 bytes"),
        "{text}"
    );

    dlq::discard(&ledger, &letters[2], &actor("producer re-sent it"))
        .await
        .unwrap();
    let (letters, _) = gather(&bus).await;
    let open: Vec<_> = letters
        .iter()
        .filter(|l| l.is_open())
        .map(|l| l.id)
        .collect();
    assert_eq!(open, vec![id(2), id(9)]);
    let discarded = letters[2].action.as_ref().unwrap();
    assert_eq!(
        (discarded.kind, discarded.why.as_str()),
        (DeadLetterActionKind::Discarded, "producer re-sent it")
    );
}
