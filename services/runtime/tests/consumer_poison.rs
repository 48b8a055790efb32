//! Poison never stops the loop: a record whose handling fails permanently is dead-lettered
//! after the bounded attempts (naming the group, reason and attempt count) and committed; a
//! valid event the worker must not apply is dead-lettered with its own reason; a record too
//! large for the DLQ goes there truncated, with its size and hash; a rejection the DLQ refuses
//! lands in the dead-letter table; a replayed record rejected again says how often it was
//! replayed. Every time, the records behind it are handled.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use saga_core::event::{Rejection, RejectionCode, decode, sha256_hex};
use saga_core::ports::{
    DeadLetterStore, EventBus, OsEntropy, OutgoingMessage, PortError, ReplayMark, SystemClock,
};
use saga_core::{CorrelationId, Envelope, EventBody, EventId, EventType, Item, OrderId, Topic};
use saga_memory::{MemoryDeadLetters, MemoryEventBus};
use saga_runtime::CancellationToken;
use saga_runtime::consumer::{
    self, ConsumerDeps, ConsumerPolicy, ConsumerSpec, Handled, Handler, Interest,
};
use saga_runtime::health::Health;
use tokio::sync::mpsc;

/// Order 1 fails permanently, order 2 is unprocessable, the rest are handled and reported.
struct Picky {
    attempts_at_one: AtomicU32,
    handled: mpsc::UnboundedSender<EventId>,
}

#[async_trait]
impl Handler for Picky {
    fn interest(&self, event_type: EventType) -> Interest {
        match event_type {
            EventType::OrderCreated => Interest::Handle,
            EventType::OrderCompleted => Interest::Skip,
            _ => Interest::Reject,
        }
    }

    async fn handle(&self, envelope: &Envelope) -> Result<Handled, PortError> {
        match envelope.order_id().map(OrderId::get) {
            Some(1) => {
                self.attempts_at_one.fetch_add(1, Ordering::SeqCst);
                Err(PortError::rejected("redis", "stored decision is invalid"))
            }
            Some(2) => Ok(Handled::Unprocessable {
                code: RejectionCode::UnknownOrder,
                reason: "order 2 does not exist".into(),
            }),
            _ => {
                self.handled.send(envelope.event_id).unwrap();
                Ok(Handled::Done)
            }
        }
    }
}

fn created(n: i64) -> OutgoingMessage {
    let envelope = Envelope::order_created(
        EventId::from_random_bits(n as u128),
        time::OffsetDateTime::UNIX_EPOCH,
        CorrelationId::parse("c").unwrap(),
        OrderId::new(n).unwrap(),
        Item::parse("x").unwrap(),
    );
    OutgoingMessage {
        topic: Topic::Orders,
        key: n.to_string(),
        payload: envelope.to_bytes(),
        correlation_id: CorrelationId::parse(&format!("corr-{n}")),
        replay: None,
        trace: None,
    }
}

struct Run {
    token: CancellationToken,
    handled: mpsc::UnboundedReceiver<EventId>,
    task: tokio::task::JoinHandle<()>,
    handler: Arc<Picky>,
}

fn start(bus: &MemoryEventBus, dead_letters: &MemoryDeadLetters) -> Run {
    let (tx, handled) = mpsc::unbounded_channel();
    let spec = ConsumerSpec {
        component: "payment-worker",
        group: "payment-worker".into(),
        topic: Topic::Orders,
        policy: ConsumerPolicy {
            max_attempts: 3,
            ..Default::default()
        },
    };
    let deps = ConsumerDeps {
        bus: Arc::new(bus.clone()),
        dead_letters: Arc::new(dead_letters.clone()),
        clock: Arc::new(SystemClock),
        entropy: Arc::new(OsEntropy),
    };
    let handler = Arc::new(Picky {
        attempts_at_one: AtomicU32::new(0),
        handled: tx,
    });
    let token = CancellationToken::new();
    let task = tokio::spawn(consumer::run(
        spec,
        deps,
        handler.clone(),
        Health::new(),
        token.clone(),
    ));
    Run {
        token,
        handled,
        task,
        handler,
    }
}

fn rejections(bus: &MemoryEventBus) -> Vec<Rejection> {
    bus.snapshot()
        .records
        .into_iter()
        .filter(|r| r.topic == Topic::OrdersDlq)
        .map(|r| match decode(&r.payload).unwrap().body {
            EventBody::EventRejected(rejection) => rejection,
            other => panic!("expected a rejection, got {other:?}"),
        })
        .collect()
}

/// Waits until the group has committed `n` records. The memory bus signals no commits, so
/// this looks every 10 ms of paused (virtual, instantly advanced) time.
async fn committed_to(bus: &MemoryEventBus, n: u64) {
    while committed(bus) < n {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

fn committed(bus: &MemoryEventBus) -> u64 {
    let snapshot = bus.snapshot();
    let group = snapshot.groups.iter().find(|g| g.group == "payment-worker");
    group.map_or(0, |g| g.committed.values().sum())
}

#[tokio::test(start_paused = true)]
async fn permanent_failures_and_unprocessable_events_are_dead_lettered_and_the_rest_go_on() {
    let bus = MemoryEventBus::new(1);
    let dead_letters = MemoryDeadLetters::new();
    bus.append(&[created(1), created(2), created(3)]);
    let mut run = start(&bus, &dead_letters);
    assert_eq!(run.handled.recv().await, Some(EventId::from_random_bits(3)));
    committed_to(&bus, 3).await;
    run.token.cancel();
    run.task.await.unwrap();
    assert_eq!(run.handler.attempts_at_one.load(Ordering::SeqCst), 3);
    let mut found = rejections(&bus);
    found.sort_by_key(|r| r.source.offset);
    let codes: Vec<_> = found.iter().map(|r| (r.code, r.attempts)).collect();
    assert_eq!(
        codes,
        vec![
            (RejectionCode::HandlerFailed, 3),
            (RejectionCode::UnknownOrder, 1)
        ]
    );
    for rejection in &found {
        assert_eq!(rejection.rejected_by.group, "payment-worker");
        assert_eq!(rejection.rejected_by.component, "payment-worker");
        assert!(!rejection.original.truncated);
    }
    assert!(
        found[0].reason.contains("stored decision is invalid"),
        "{}",
        found[0].reason
    );
    assert_eq!(found[1].source.key.as_deref(), Some("2"));
    assert_eq!(committed(&bus), 3, "everything committed past the poison");
}

#[tokio::test(start_paused = true)]
async fn a_replayed_record_rejected_again_carries_its_replay_count() {
    let bus = MemoryEventBus::new(1);
    let dead_letters = MemoryDeadLetters::new();
    let mark = ReplayMark {
        dead_letter: EventId::from_random_bits(99),
        count: 2,
    };
    let replayed = OutgoingMessage {
        replay: Some(mark),
        ..created(2)
    };
    bus.append(&[created(2), replayed, created(3)]);
    let mut run = start(&bus, &dead_letters);
    assert_eq!(run.handled.recv().await, Some(EventId::from_random_bits(3)));
    committed_to(&bus, 3).await;
    run.token.cancel();
    run.task.await.unwrap();
    let counts: Vec<_> = rejections(&bus).iter().map(|r| r.replay_count).collect();
    assert_eq!(counts, vec![0, 2], "the first rejection, then the replay's");
}

#[tokio::test(start_paused = true)]
async fn a_record_too_large_for_the_dlq_goes_there_truncated_with_its_size_and_hash() {
    let bus = MemoryEventBus::new(1);
    let dead_letters = MemoryDeadLetters::new();
    let huge = vec![b'#'; 900_000];
    let poison = OutgoingMessage {
        topic: Topic::Orders,
        key: "p".into(),
        payload: huge.clone(),
        correlation_id: None,
        replay: None,
        trace: None,
    };
    bus.append(&[poison, created(4)]);
    let mut run = start(&bus, &dead_letters);
    assert_eq!(run.handled.recv().await, Some(EventId::from_random_bits(4)));
    run.token.cancel();
    run.task.await.unwrap();
    let found = rejections(&bus);
    assert_eq!(found.len(), 1);
    let original = &found[0].original;
    assert_eq!(found[0].code, RejectionCode::Undecodable);
    assert!(original.truncated && original.bytes.len() < huge.len());
    assert_eq!(
        (original.size, original.sha256.clone()),
        (900_000, sha256_hex(&huge))
    );
    assert!(dead_letters.snapshot().is_empty());
    assert_eq!(committed(&bus), 2);
}

#[tokio::test(start_paused = true)]
async fn a_rejection_the_dlq_refuses_is_kept_in_the_dead_letter_table() {
    // A broker whose limit is below even an empty rejection: the DLQ refuses every one.
    let bus = MemoryEventBus::new(1).with_max_message_bytes(500);
    let dead_letters = MemoryDeadLetters::new();
    bus.append(&[created(2), created(5)]);
    let mut run = start(&bus, &dead_letters);
    assert_eq!(run.handled.recv().await, Some(EventId::from_random_bits(5)));
    run.token.cancel();
    run.task.await.unwrap();
    assert!(rejections(&bus).is_empty());
    let kept = dead_letters.list().await.unwrap();
    assert_eq!(kept.len(), 1);
    let EventBody::EventRejected(rejection) = &kept[0].body else {
        panic!("a rejection")
    };
    assert_eq!(rejection.code, RejectionCode::UnknownOrder);
    assert_eq!(rejection.original.bytes, created(2).payload, "kept whole");
    assert_eq!(committed(&bus), 2);
    let _: &dyn EventBus = &bus;
}
