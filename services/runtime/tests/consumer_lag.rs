//! The consumer-lag gauge follows an idle member: it is re-read while the member waits for
//! records, so a backlog that is gone does not stay on the dashboard.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use saga_core::ports::{
    Consumer, Delivery, EventBus, OsEntropy, OutgoingMessage, PortError, SystemClock,
};
use saga_core::{Envelope, EventType, Topic};
use saga_memory::MemoryDeadLetters;
use saga_runtime::CancellationToken;
use saga_runtime::consumer::{
    self, ConsumerDeps, ConsumerPolicy, ConsumerSpec, Handled, Handler, Interest,
};
use saga_runtime::health::Health;

/// A bus whose one member never receives anything and reports whatever lag the test sets.
struct IdleBus {
    lag: Arc<AtomicU64>,
}

struct IdleMember {
    lag: Arc<AtomicU64>,
}

#[async_trait]
impl EventBus for IdleBus {
    async fn publish(&self, _: Vec<OutgoingMessage>) -> Result<(), PortError> {
        Ok(())
    }

    async fn subscribe(&self, _: &str, _: &[Topic]) -> Result<Box<dyn Consumer>, PortError> {
        Ok(Box::new(IdleMember {
            lag: self.lag.clone(),
        }))
    }

    async fn ping(&self) -> Result<(), PortError> {
        Ok(())
    }
}

#[async_trait]
impl Consumer for IdleMember {
    async fn next(&mut self) -> Result<Delivery, PortError> {
        std::future::pending().await
    }

    async fn commit(&mut self, _: &Delivery) -> Result<(), PortError> {
        Ok(())
    }

    fn lag(&self) -> Option<u64> {
        Some(self.lag.load(Ordering::SeqCst))
    }
}

struct Nothing;

#[async_trait]
impl Handler for Nothing {
    fn interest(&self, _: EventType) -> Interest {
        Interest::Handle
    }

    async fn handle(&self, _: &Envelope) -> Result<Handled, PortError> {
        Ok(Handled::Done)
    }
}

fn gauge() -> Option<String> {
    saga_runtime::metrics::render()
        .lines()
        .find(|l| l.starts_with("saga_consumer_lag{component=\"idle-member\"}"))
        .map(|l| l.rsplit(' ').next().unwrap_or_default().to_owned())
}

#[tokio::test(start_paused = true)]
async fn an_idle_member_re_reads_its_lag() {
    let _ = saga_runtime::metrics::prometheus();
    let lag = Arc::new(AtomicU64::new(7));
    let token = CancellationToken::new();
    let task = tokio::spawn(consumer::run(
        ConsumerSpec {
            component: "idle-member",
            group: "g".into(),
            topic: Topic::Orders,
            policy: ConsumerPolicy::default(),
        },
        ConsumerDeps {
            bus: Arc::new(IdleBus { lag: lag.clone() }),
            dead_letters: Arc::new(MemoryDeadLetters::new()),
            clock: Arc::new(SystemClock),
            entropy: Arc::new(OsEntropy),
        },
        Arc::new(Nothing),
        Health::new(),
        token.clone(),
    ));
    // Paused time: these waits are virtual and let the loop's own refresh timer fire.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(gauge().as_deref(), Some("7"));
    lag.store(0, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(gauge().as_deref(), Some("0"));
    token.cancel();
    task.await.unwrap();
}
