//! The shared consumer loop: transient failures are retried without committing, undecodable
//! records reach the DLQ before their offset is committed, and a crash (dropping the loop)
//! before the commit means redelivery.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use saga_core::event::decode;
use saga_core::ports::{Entropy, OsEntropy, OutgoingMessage, PortError, SystemClock};
use saga_core::{CorrelationId, Envelope, EventBody, EventId, EventType, Item, OrderId, Topic};
use saga_memory::{MemoryDeadLetters, MemoryEventBus};
use saga_runtime::CancellationToken;
use saga_runtime::consumer::{
    self, ConsumerDeps, ConsumerPolicy, ConsumerSpec, Handled, Handler, Interest,
};
use saga_runtime::health::Health;
use tokio::sync::mpsc;

/// Fails the first `failures` attempts, then reports each handled event id.
struct Flaky {
    failures: AtomicUsize,
    handled: mpsc::UnboundedSender<EventId>,
}

#[async_trait]
impl Handler for Flaky {
    fn interest(&self, event_type: EventType) -> Interest {
        if event_type == EventType::OrderCreated {
            Interest::Handle
        } else {
            Interest::Reject
        }
    }

    async fn handle(&self, envelope: &Envelope) -> Result<Handled, PortError> {
        if self.failures.load(Ordering::SeqCst) > 0 {
            self.failures.fetch_sub(1, Ordering::SeqCst);
            return Err(PortError::unavailable("redis", "connection refused"));
        }
        self.handled.send(envelope.event_id).unwrap();
        Ok(Handled::Done)
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
        key: "k".into(),
        payload: envelope.to_bytes(),
        correlation_id: None,
        replay: None,
        trace: None,
    }
}

fn start(
    bus: &MemoryEventBus,
    failures: usize,
) -> (
    CancellationToken,
    mpsc::UnboundedReceiver<EventId>,
    tokio::task::JoinHandle<()>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let spec = ConsumerSpec {
        component: "test",
        group: "g".into(),
        topic: Topic::Orders,
        policy: ConsumerPolicy::default(),
    };
    let deps = ConsumerDeps {
        bus: Arc::new(bus.clone()),
        dead_letters: Arc::new(MemoryDeadLetters::new()),
        clock: Arc::new(SystemClock),
        entropy: Arc::new(OsEntropy),
    };
    let handler = Arc::new(Flaky {
        failures: AtomicUsize::new(failures),
        handled: tx,
    });
    let token = CancellationToken::new();
    let task = tokio::spawn(consumer::run(
        spec,
        deps,
        handler,
        Health::new(),
        token.clone(),
    ));
    (token, rx, task)
}

fn committed(bus: &MemoryEventBus) -> u64 {
    let snapshot = bus.snapshot();
    snapshot
        .groups
        .iter()
        .find(|g| g.group == "g")
        .map_or(0, |g| g.committed.values().sum())
}

#[tokio::test(start_paused = true)]
async fn transient_failures_are_retried_and_committed_only_after_success() {
    let bus = MemoryEventBus::new(1);
    bus.append(&[created(1), created(2)]);
    let (token, mut handled, task) = start(&bus, 3);
    assert_eq!(handled.recv().await, Some(EventId::from_random_bits(1)));
    assert_eq!(handled.recv().await, Some(EventId::from_random_bits(2)));
    token.cancel();
    task.await.unwrap();
    assert_eq!(committed(&bus), 2);
}

#[tokio::test(start_paused = true)]
async fn undecodable_records_go_to_the_dlq_before_the_commit() {
    let bus = MemoryEventBus::new(1);
    let trace = OsEntropy.new_trace();
    let bad = OutgoingMessage {
        topic: Topic::Orders,
        key: "k".into(),
        payload: b"{oops".to_vec(),
        correlation_id: CorrelationId::parse("from-header"),
        replay: None,
        trace: Some(trace),
    };
    bus.append(&[bad, created(3)]);
    let (token, mut handled, task) = start(&bus, 0);
    assert_eq!(handled.recv().await, Some(EventId::from_random_bits(3)));
    token.cancel();
    task.await.unwrap();
    let dlq: Vec<_> = bus
        .snapshot()
        .records
        .into_iter()
        .filter(|r| r.topic == Topic::OrdersDlq)
        .collect();
    assert_eq!(dlq.len(), 1);
    // The rejection is a hop of the record's trace, so a replay of it stays in that trace.
    let hop = dlq[0]
        .trace
        .expect("the rejection carries the record's trace");
    assert_eq!(hop.trace_id(), trace.trace_id());
    assert_ne!(hop.span_id(), trace.span_id());
    let rejected = decode(&dlq[0].payload).unwrap();
    assert_eq!(rejected.correlation_id.as_str(), "from-header");
    let EventBody::EventRejected(rejection) = rejected.body else {
        panic!("not a rejection")
    };
    assert_eq!(rejection.original.bytes, b"{oops");
    assert_eq!(rejection.source.offset, 0);
    assert_eq!(rejection.rejected_by.group, "g");
    assert_eq!(committed(&bus), 2);
}

#[tokio::test(start_paused = true)]
async fn stopping_mid_retry_leaves_the_record_uncommitted_for_redelivery() {
    let bus = MemoryEventBus::new(1);
    bus.append(&[created(4)]);
    let (token, mut handled, task) = start(&bus, usize::MAX);
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    token.cancel();
    task.await.unwrap();
    assert!(handled.try_recv().is_err());
    assert_eq!(
        committed(&bus),
        0,
        "nothing committed while the handler kept failing"
    );
    let (token, mut handled, task) = start(&bus, 0);
    assert_eq!(
        handled.recv().await,
        Some(EventId::from_random_bits(4)),
        "redelivered to the next member"
    );
    token.cancel();
    task.await.unwrap();
}

/// Appends each of `ns` and waits until the worker has handled it before the next: one record,
/// one batch, each.
async fn handle_in_turn(
    bus: &MemoryEventBus,
    handled: &mut mpsc::UnboundedReceiver<EventId>,
    ns: &[i64],
) {
    for &n in ns {
        bus.append(&[created(n)]);
        assert_eq!(
            handled.recv().await,
            Some(EventId::from_random_bits(n as u128))
        );
    }
}

#[tokio::test(start_paused = true)]
async fn handled_offsets_are_committed_at_most_once_per_interval() {
    let bus = MemoryEventBus::new(1);
    let (token, mut handled, task) = start(&bus, 0);
    handle_in_turn(&bus, &mut handled, &[1, 2, 3]).await;
    // The first batch was committed at once; the next two wait for the interval to end (no
    // time has passed: the clock is paused and the worker never idled).
    assert_eq!(committed(&bus), 1);
    tokio::time::sleep(2 * consumer::DEFAULT_COMMIT_INTERVAL).await;
    assert_eq!(
        committed(&bus),
        3,
        "committed when the interval ended, idle"
    );
    token.cancel();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_clean_stop_commits_what_was_handled() {
    let bus = MemoryEventBus::new(1);
    let (token, mut handled, task) = start(&bus, 0);
    handle_in_turn(&bus, &mut handled, &[1, 2]).await;
    assert_eq!(committed(&bus), 1);
    token.cancel();
    task.await.unwrap();
    assert_eq!(committed(&bus), 2, "the stop committed the pending offset");
}
