//! A commit refused because a rebalance moved the partition does not make the worker leave and
//! re-join its group (which would rebalance every member again): it carries on with the
//! partitions it still owns. Found by the simulation: with two payment workers, re-joining on
//! every refused commit turned one rebalance into a storm of hundreds.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use saga_core::ports::{Consumer, EventBus, OsEntropy, OutgoingMessage, PortError, SystemClock};
use saga_core::{CorrelationId, Envelope, EventId, EventType, Item, OrderId, Topic};
use saga_memory::{MemoryDeadLetters, MemoryEventBus, partition_for};
use saga_runtime::CancellationToken;
use saga_runtime::consumer::{
    self, ConsumerDeps, ConsumerPolicy, ConsumerSpec, DEFAULT_COMMIT_INTERVAL, Handled, Handler,
    Interest,
};
use saga_runtime::health::Health;
use tokio::sync::{Semaphore, mpsc};

/// The memory bus, counting subscriptions.
struct Counting {
    bus: MemoryEventBus,
    subscribes: AtomicUsize,
}

#[async_trait]
impl EventBus for Counting {
    async fn publish(&self, messages: Vec<OutgoingMessage>) -> Result<(), PortError> {
        self.bus.publish(messages).await
    }

    async fn subscribe(
        &self,
        group: &str,
        topics: &[Topic],
    ) -> Result<Box<dyn Consumer>, PortError> {
        self.subscribes.fetch_add(1, Ordering::SeqCst);
        self.bus.subscribe(group, topics).await
    }

    async fn ping(&self) -> Result<(), PortError> {
        Ok(())
    }
}

/// Reports each event, then waits for a permit before finishing it.
struct Gated {
    started: mpsc::UnboundedSender<EventId>,
    permits: Arc<Semaphore>,
}

#[async_trait]
impl Handler for Gated {
    fn interest(&self, event_type: EventType) -> Interest {
        if event_type == EventType::OrderCreated {
            Interest::Handle
        } else {
            Interest::Reject
        }
    }

    async fn handle(&self, envelope: &Envelope) -> Result<Handled, PortError> {
        self.started.send(envelope.event_id).unwrap();
        self.permits.acquire().await.unwrap().forget();
        Ok(Handled::Done)
    }
}

/// An ORDER_CREATED whose key lands in `partition` of a two-partition topic.
fn created_in(partition: u32, n: i64) -> OutgoingMessage {
    let key = (0..)
        .map(|k| format!("key-{k}"))
        .find(|k| partition_for(k, 2) == partition)
        .unwrap();
    let envelope = Envelope::order_created(
        EventId::from_random_bits(n as u128),
        time::OffsetDateTime::UNIX_EPOCH,
        CorrelationId::parse("c").unwrap(),
        OrderId::new(n).unwrap(),
        Item::parse("x").unwrap(),
    );
    OutgoingMessage {
        topic: Topic::Orders,
        key,
        payload: envelope.to_bytes(),
        correlation_id: None,
        replay: None,
        trace: None,
    }
}

/// The next event the worker starts handling; fails the test after a minute of (paused) time.
async fn next(handling: &mut mpsc::UnboundedReceiver<EventId>) -> EventId {
    let next = tokio::time::timeout(std::time::Duration::from_secs(60), handling.recv());
    next.await
        .expect("the worker stopped handling records")
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_commit_refused_after_a_rebalance_keeps_the_membership() {
    let bus = MemoryEventBus::new(2);
    let counting = Arc::new(Counting {
        bus: bus.clone(),
        subscribes: AtomicUsize::new(0),
    });
    let (started, mut handling) = mpsc::unbounded_channel();
    let permits = Arc::new(Semaphore::new(0));
    let handler = Arc::new(Gated {
        started,
        permits: permits.clone(),
    });
    let spec = ConsumerSpec {
        component: "test",
        group: "g".into(),
        topic: Topic::Orders,
        policy: ConsumerPolicy::default(),
    };
    let deps = ConsumerDeps {
        bus: counting.clone(),
        dead_letters: Arc::new(MemoryDeadLetters::new()),
        clock: Arc::new(SystemClock),
        entropy: Arc::new(OsEntropy),
    };
    let token = CancellationToken::new();
    let task = tokio::spawn(consumer::run(
        spec,
        deps,
        handler,
        Health::new(),
        token.clone(),
    ));

    bus.append(&[created_in(1, 1)]);
    assert_eq!(next(&mut handling).await, EventId::from_random_bits(1));
    // A second member joins mid-handling and takes partition 1 over.
    let other = bus.join("g", &[Topic::Orders]);
    permits.add_permits(1);
    bus.append(&[created_in(0, 2)]);
    assert_eq!(next(&mut handling).await, EventId::from_random_bits(2));
    permits.add_permits(1);
    // Handled offsets are committed when the commit interval ends (paused time: the clock
    // jumps there as soon as the worker is idle).
    tokio::time::sleep(2 * DEFAULT_COMMIT_INTERVAL).await;
    let committed = bus.snapshot().groups[0]
        .committed
        .get(&(Topic::Orders, 0))
        .copied();
    assert_eq!(committed, Some(1));
    bus.append(&[created_in(0, 3)]);
    assert_eq!(next(&mut handling).await, EventId::from_random_bits(3));
    assert_eq!(
        counting.subscribes.load(Ordering::SeqCst),
        1,
        "the worker left and re-joined its group"
    );
    // The refused record is the new owner's.
    assert_eq!(bus.poll("g", other).unwrap().map(|d| d.offset), Some(0));
    permits.add_permits(1);
    token.cancel();
    task.await.unwrap();
}
