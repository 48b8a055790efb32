//! The consumer loop the three workers share: receive a batch (the first delivery, then what
//! is already fetched), decode, handle (retrying transient failures), dead-letter what does not
//! decode, and only when the whole batch is done commit past its last delivery per partition.
//! Deliveries with the same key are handled one after another in offset order; different keys
//! run side by side. Any bus error drops the membership and re-subscribes, so uncommitted work
//! is redelivered, never lost; a commit refused because a rebalance moved a partition is not an
//! error of the membership and keeps it.

mod batch;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use saga_core::event::{Rejection, RejectionSource, decode};
use saga_core::ports::{Clock, Consumer, Delivery, Entropy, EventBus, OutgoingMessage, PortError};
use saga_core::{Envelope, EventType, Topic};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::backoff::Backoff;
use crate::health::Health;
use crate::metrics;

/// What a worker does with each valid event.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// Whether this worker processes events of this type (others go to the DLQ).
    fn accepts(&self, event_type: EventType) -> bool;

    /// Processes one event. MUST be idempotent: after a crash the same event comes again.
    ///
    /// # Errors
    /// A transient [`PortError`] is retried with backoff until it succeeds or shutdown.
    async fn handle(&self, envelope: &Envelope) -> Result<(), PortError>;
}

/// Where a consumer loop reads and how it commits.
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    pub component: &'static str,
    pub group: String,
    pub topic: Topic,
    /// Mutant switch: commit before handling (loses work on a crash). Correct: false.
    pub commit_before_handling: bool,
}

/// The shared dependencies of a consumer loop.
#[derive(Clone)]
pub struct ConsumerDeps {
    pub bus: Arc<dyn EventBus>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
}

enum Step {
    Continue,
    Resubscribe,
    Stop,
}

/// Runs until `shutdown` is cancelled.
pub async fn run(
    spec: ConsumerSpec,
    deps: ConsumerDeps,
    handler: Arc<dyn Handler>,
    health: Health,
    shutdown: CancellationToken,
) {
    let mut backoff = Backoff::service();
    let topics = [spec.topic];
    while !shutdown.is_cancelled() {
        let subscribed = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            s = deps.bus.subscribe(&spec.group, &topics) => s,
        };
        let mut consumer = match subscribed {
            Ok(consumer) => consumer,
            Err(error) => {
                health.set(false);
                tracing::warn!(component = spec.component, %error, "subscribe failed; retrying");
                backoff.wait(&shutdown).await;
                continue;
            }
        };
        health.set(true);
        backoff.reset();
        loop {
            match step(&spec, &deps, handler.as_ref(), consumer.as_mut(), &shutdown).await {
                Step::Continue => {}
                Step::Resubscribe => {
                    health.set(false);
                    backoff.wait(&shutdown).await;
                    break;
                }
                Step::Stop => return,
            }
        }
    }
}

/// How often an idle member re-reads its lag: without it the gauge would keep the backlog the
/// last batch saw after the work is done (Kafka's statistics arrive every 5 s).
const LAG_REFRESH: Duration = Duration::from_secs(5);

fn report_lag(spec: &ConsumerSpec, consumer: &dyn Consumer) {
    if let Some(lag) = consumer.lag() {
        ::metrics::gauge!(metrics::CONSUMER_LAG, "component" => spec.component).set(lag as f64);
    }
}

async fn step(
    spec: &ConsumerSpec,
    deps: &ConsumerDeps,
    handler: &dyn Handler,
    consumer: &mut dyn Consumer,
    shutdown: &CancellationToken,
) -> Step {
    let next = loop {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => return Step::Stop,
            next = consumer.next() => break next,
            // `next` is cancel-safe (the port's contract), so an idle wait can stop to re-read.
            () = tokio::time::sleep(LAG_REFRESH) => report_lag(spec, consumer),
        }
    };
    let first = match next {
        Ok(delivery) => delivery,
        Err(error) => {
            tracing::warn!(component = spec.component, %error, "consumer failed; re-subscribing");
            return Step::Resubscribe;
        }
    };
    let (deliveries, broken) = batch::take(first, consumer);
    if let Some(error) = &broken {
        tracing::warn!(component = spec.component, %error, "consumer failed; re-subscribing after this batch");
    }
    report_lag(spec, consumer);
    if spec.commit_before_handling {
        match commit(spec, consumer, &deliveries).await {
            Commit::Done => {}
            // Not all ours any more: the new owners handle what moved.
            Commit::Revoked => return Step::Continue,
            Commit::Failed => return Step::Resubscribe,
        }
    }
    // Collected first (they start only when polled): a lazy `map` over borrowed lanes held
    // across the await is not provably `Send` for callers that `tokio::spawn` the loop.
    let lanes: Vec<_> = batch::lanes(&deliveries)
        .into_iter()
        .map(|lane| process_lane(spec, deps, handler, lane, shutdown))
        .collect();
    let done: Vec<bool> = futures::stream::iter(lanes)
        .buffer_unordered(batch::MAX_PARALLEL)
        .collect()
        .await;
    if done.contains(&false) {
        // Interrupted by shutdown: nothing of this batch is committed, all of it comes again.
        return Step::Stop;
    }
    if !spec.commit_before_handling && commit(spec, consumer, &deliveries).await == Commit::Failed {
        return Step::Resubscribe;
    }
    if broken.is_some() {
        Step::Resubscribe
    } else {
        Step::Continue
    }
}

/// Handles one lane's deliveries in order, each in a span carrying its correlation id and
/// position; false as soon as one was interrupted.
async fn process_lane(
    spec: &ConsumerSpec,
    deps: &ConsumerDeps,
    handler: &dyn Handler,
    lane: Vec<&Delivery>,
    shutdown: &CancellationToken,
) -> bool {
    for delivery in lane {
        let correlation = delivery
            .correlation_id
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_default();
        let span = tracing::info_span!(
            "consume",
            component = spec.component,
            correlation_id = %correlation,
            topic = %delivery.topic,
            partition = delivery.partition,
            offset = delivery.offset,
        );
        let done = process(spec, deps, handler, delivery, shutdown)
            .instrument(span)
            .await;
        if !done {
            return false;
        }
    }
    true
}

/// Handles or dead-letters one delivery; false when shutdown interrupted it (uncommitted).
async fn process(
    spec: &ConsumerSpec,
    deps: &ConsumerDeps,
    handler: &dyn Handler,
    delivery: &Delivery,
    shutdown: &CancellationToken,
) -> bool {
    let rejection = match decode(&delivery.payload) {
        Ok(envelope) if handler.accepts(envelope.event_type()) => {
            let outcome = retry(shutdown, || handler.handle(&envelope)).await;
            let labels = [
                ("component", spec.component),
                ("outcome", if outcome { "handled" } else { "interrupted" }),
            ];
            ::metrics::counter!(metrics::EVENTS_CONSUMED, &labels).increment(1);
            return outcome;
        }
        Ok(envelope) => format!(
            "unexpected event type {} on topic {}",
            envelope.event_type().as_str(),
            delivery.topic
        ),
        Err(error) => error.to_string(),
    };
    tracing::warn!(reason = %rejection, "dead-lettering an undecodable record");
    let envelope = Envelope::rejected(
        deps.entropy.event_id(),
        deps.clock.now(),
        delivery.correlation_id.clone(),
        Rejection {
            reason: rejection,
            source: Some(RejectionSource {
                topic: delivery.topic,
                partition: delivery.partition,
                offset: delivery.offset,
            }),
            original: delivery.payload.clone(),
        },
    );
    let message = OutgoingMessage {
        topic: delivery.topic.dlq(),
        key: delivery
            .key
            .clone()
            .unwrap_or_else(|| "rejected".to_owned()),
        payload: envelope.to_bytes(),
        correlation_id: Some(envelope.correlation_id.clone()),
    };
    let written = retry(shutdown, || deps.bus.publish(vec![message.clone()])).await;
    if written {
        ::metrics::counter!(metrics::DLQ_WRITES, "topic" => delivery.topic.dlq().as_str())
            .increment(1);
    }
    written
}

/// Retries `op` on transient errors until it succeeds (true) or shutdown (false). A
/// non-transient error is a bug in the request; it is logged and retried too, because
/// skipping would lose the event.
async fn retry<F, Fut>(shutdown: &CancellationToken, mut op: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), PortError>>,
{
    let mut backoff = Backoff::service();
    loop {
        match op().await {
            Ok(()) => return true,
            Err(error) => {
                tracing::warn!(%error, transient = error.is_transient(), "operation failed; retrying");
                if !backoff.wait(shutdown).await {
                    return false;
                }
            }
        }
    }
}

/// How a commit went.
#[derive(Debug, PartialEq, Eq)]
enum Commit {
    Done,
    /// A partition moved to another member in a rebalance: its records are redelivered to the
    /// new owner. The membership itself is fine; leaving and re-joining here would force yet
    /// another rebalance on every member (and, with two members, a storm of them).
    Revoked,
    /// The broker is unreachable or the membership is gone: re-subscribe.
    Failed,
}

/// Commits past the last delivery of each partition in `deliveries`, in one request.
async fn commit(
    spec: &ConsumerSpec,
    consumer: &mut dyn Consumer,
    deliveries: &[Delivery],
) -> Commit {
    match consumer
        .commit_batch(&batch::last_per_partition(deliveries))
        .await
    {
        Ok(()) => Commit::Done,
        Err(PortError::Rebalanced(reason)) => {
            tracing::info!(component = spec.component, %reason, "partition reassigned before the commit; its new owner gets the records");
            Commit::Revoked
        }
        Err(error) => {
            tracing::warn!(component = spec.component, %error, "commit failed; the records will be redelivered");
            Commit::Failed
        }
    }
}
