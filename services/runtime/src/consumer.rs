//! The consumer loop the three workers share: receive a batch (the first delivery, then what
//! is already fetched), decode, handle (see [`process`]: transient failures retried for as long
//! as it takes, permanent ones a bounded number of times), dead-letter what cannot be handled
//! (see [`dead_letter`]), and only when the whole batch is done count it as handled. Handled
//! offsets are committed at most once per commit interval (see [`offsets`]: one commit per
//! batch made the broker's work per order largest under light load). The commit is pipelined
//! ([`Consumer::commit_pipelined`]): the next batch is handled while the broker answers, and
//! the answer is awaited before the next commit is sent, so at most one is in flight and a
//! failed one is still seen (its records come again).
//! Deliveries with the same key are handled one after another in offset order; different keys
//! run side by side. Any bus error drops the membership and re-subscribes, so uncommitted work
//! is redelivered, never lost; a commit refused because a rebalance moved a partition is not an
//! error of the membership and keeps it.

mod batch;
mod dead_letter;
mod offsets;
mod process;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use saga_core::event::RejectionCode;
use saga_core::mutant::{self, Mutant};
use saga_core::ports::{Clock, Consumer, DeadLetterStore, Delivery, Entropy, EventBus, PortError};
use saga_core::{Envelope, EventType, Topic};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::backoff::Backoff;
use crate::health::{DEFAULT_STALL_AFTER, Health};
use crate::metrics;
use crate::schema::Schemas;
use offsets::{Commit, Offsets};

/// What a worker does with events of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interest {
    /// Handle it.
    Handle,
    /// Another worker's business on a shared topic: commit past it.
    Skip,
    /// Does not belong on this topic: dead-letter it.
    Reject,
}

/// How handling one event ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    Done,
    /// A valid event that must not be applied (unknown order, wrong causation, contradicting
    /// the applied payment): dead-lettered with this code and reason, never dropped.
    Unprocessable {
        code: RejectionCode,
        reason: String,
    },
}

/// What a worker does with each valid event.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// What this worker does with events of this type.
    fn interest(&self, event_type: EventType) -> Interest;

    /// Processes one event. MUST be idempotent: after a crash the same event comes again.
    ///
    /// # Errors
    /// A transient [`PortError`] is retried with backoff and jitter until it succeeds or
    /// shutdown; a permanent one [`ConsumerPolicy::max_attempts`] times, then the record is
    /// dead-lettered.
    async fn handle(&self, envelope: &Envelope) -> Result<Handled, PortError>;
}

/// How hard a consumer tries before it gives up on a record, and when it counts as stalled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsumerPolicy {
    /// `CONSUMER_MAX_ATTEMPTS` (default 5): attempts at a record whose handling fails with a
    /// permanent error, and at a DLQ write, before the record is dead-lettered (or the
    /// rejection kept in the dead-letter table). Transient errors are retried without bound.
    pub max_attempts: u32,
    /// `HEALTH_STALL_SECONDS` (default 60): work without progress for this long turns
    /// `/health` 503.
    pub stall_after: Duration,
    /// `CONSUMER_COMMIT_INTERVAL_MS` (default 100): handled offsets are committed at most this
    /// often (and this long after the last commit when no more records come); what a member
    /// that dies handles again is at most this much more than its last batch.
    pub commit_interval: Duration,
    /// The envelope schema the consumer writes (its rejections, and what its handler produces)
    /// and the newest it reads.
    pub schemas: Schemas,
}

/// The default [`ConsumerPolicy::commit_interval`].
pub const DEFAULT_COMMIT_INTERVAL: Duration = Duration::from_millis(100);

impl Default for ConsumerPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            stall_after: DEFAULT_STALL_AFTER,
            commit_interval: DEFAULT_COMMIT_INTERVAL,
            schemas: Schemas::default(),
        }
    }
}

impl ConsumerPolicy {
    /// Reads `CONSUMER_MAX_ATTEMPTS`, `HEALTH_STALL_SECONDS`, `CONSUMER_COMMIT_INTERVAL_MS`,
    /// `EVENT_SCHEMA_VERSION` and `EVENT_SCHEMA_READ_MAX` from `lookup`.
    ///
    /// # Errors
    /// [`crate::env::EnvError`] naming the malformed variable.
    pub fn from_vars(lookup: crate::env::Lookup<'_>) -> Result<Self, crate::env::EnvError> {
        use crate::env::{millis_in, number_in, seconds_in};
        let default = Self::default();
        Ok(Self {
            max_attempts: number_in(lookup, "CONSUMER_MAX_ATTEMPTS", default.max_attempts)?.max(1),
            stall_after: seconds_in(lookup, "HEALTH_STALL_SECONDS", default.stall_after)?,
            commit_interval: millis_in(
                lookup,
                "CONSUMER_COMMIT_INTERVAL_MS",
                default.commit_interval,
            )?,
            schemas: Schemas::from_vars(lookup)?,
        })
    }
}

/// Where a consumer loop reads and how it commits.
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    pub component: &'static str,
    pub group: String,
    pub topic: Topic,
    pub policy: ConsumerPolicy,
}

/// The shared dependencies of a consumer loop.
#[derive(Clone)]
pub struct ConsumerDeps {
    pub bus: Arc<dyn EventBus>,
    /// Where a rejection goes when the DLQ topic will not take it.
    pub dead_letters: Arc<dyn DeadLetterStore>,
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
        // Per membership: what a member handled is committed by it, or redelivered.
        let mut offsets = Offsets::default();
        loop {
            let step = step(
                &spec,
                &deps,
                handler.as_ref(),
                consumer.as_mut(),
                &mut offsets,
                &health,
                &shutdown,
            );
            match step.await {
                Step::Continue => {}
                Step::Resubscribe => {
                    health.set(false);
                    backoff.wait(&shutdown).await;
                    break;
                }
                Step::Stop => {
                    // A clean stop commits what was handled and lands that commit, so a
                    // restart does not redo it; if it cannot, it is redelivered
                    // (at-least-once).
                    offsets.commit(&spec, consumer.as_mut(), true).await;
                    if let Err(error) = consumer.settle().await {
                        tracing::warn!(component = spec.component, %error, "last commit failed; its records will be redelivered");
                    }
                    return;
                }
            }
        }
    }
}

/// How often an idle member re-reads its lag: without it the gauge would keep the backlog the
/// last batch saw after the work is done (Kafka's statistics arrive every 5 s).
const LAG_REFRESH: Duration = Duration::from_secs(5);

/// Publishes the lag, and tells `health` whether work is waiting: a member with a backlog it
/// does not fetch is as stuck as one retrying a record forever.
fn report_lag(spec: &ConsumerSpec, consumer: &dyn Consumer, health: &Health) {
    if let Some(lag) = consumer.lag() {
        ::metrics::gauge!(metrics::CONSUMER_LAG, "component" => spec.component).set(lag as f64);
        if lag == 0 {
            health.idle();
        } else {
            health.busy();
        }
    }
}

async fn step(
    spec: &ConsumerSpec,
    deps: &ConsumerDeps,
    handler: &dyn Handler,
    consumer: &mut dyn Consumer,
    offsets: &mut Offsets,
    health: &Health,
    shutdown: &CancellationToken,
) -> Step {
    let next = loop {
        // Handled offsets waiting for their interval to end are committed then, if no record
        // comes first.
        let commit_due = offsets.due(spec.policy.commit_interval);
        let commit_wait = async {
            match commit_due {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            () = shutdown.cancelled() => return Step::Stop,
            next = consumer.next() => break next,
            // `next` is cancel-safe (the port's contract), so an idle wait can stop to commit
            // or to re-read the lag.
            () = commit_wait => {
                if offsets.commit(spec, consumer, true).await == Commit::Failed {
                    return Step::Resubscribe;
                }
            }
            () = tokio::time::sleep(LAG_REFRESH) => report_lag(spec, consumer, health),
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
    report_lag(spec, consumer, health);
    health.busy();
    let commit_first = mutant::active(Mutant::CommitBeforeProcessing);
    if commit_first {
        match offsets::commit_durably(spec, consumer, &deliveries).await {
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
        .map(|lane| process_lane(spec, deps, handler, lane, health, shutdown))
        .collect();
    let handling = futures::stream::iter(lanes)
        .buffer_unordered(batch::MAX_PARALLEL)
        .collect::<Vec<bool>>();
    let done = if mutant::active(Mutant::CommitFetchedOnStop) {
        tokio::select! {
            biased;
            done = handling => done,
            () = shutdown.cancelled() => {
                offsets.handled(&deliveries);
                return Step::Stop;
            }
        }
    } else {
        handling.await
    };
    if done.contains(&false) {
        // Interrupted by shutdown: nothing of this batch is committed, all of it comes again.
        return Step::Stop;
    }
    if !commit_first {
        offsets.handled(&deliveries);
        // Before re-subscribing, whatever the interval: the next member resumes after it.
        let now = broken.is_some();
        if offsets.commit(spec, consumer, now).await == Commit::Failed {
            return Step::Resubscribe;
        }
    }
    health.progressed();
    report_lag(spec, consumer, health);
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
    health: &Health,
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
        let done = process::process(spec, deps, handler, delivery, shutdown)
            .instrument(span)
            .await;
        if !done {
            return false;
        }
        health.progressed();
    }
    true
}
