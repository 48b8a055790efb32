//! One delivery: decode it, hand it to the worker with bounded retries, and dead-letter what
//! cannot be handled. Transient errors (timeouts, lost connections, a broker away) are retried
//! with jittered exponential backoff for as long as it takes: giving up would lose the event.
//! A permanent error is retried [`ConsumerPolicy::max_attempts`] times (a misclassified error
//! gets its chance), then the record is dead-lettered with the reason and the attempt count,
//! so one poisoned record never holds up the orders behind it.
//!
//! [`ConsumerPolicy::max_attempts`]: super::ConsumerPolicy::max_attempts

use std::time::Duration;

use saga_core::Envelope;
use saga_core::event::{RejectionCode, decode_up_to};
use saga_core::mutant::{self, Mutant};
use saga_core::ports::Delivery;
use tokio_util::sync::CancellationToken;

use super::{ConsumerDeps, ConsumerSpec, Handled, Handler, Interest, dead_letter};
use crate::backoff::Backoff;
use crate::metrics;
use crate::otel::{self, HopSpan};

/// Why a record is to be dead-lettered.
pub(super) struct Verdict {
    pub code: RejectionCode,
    pub reason: String,
    pub attempts: u32,
}

enum Outcome {
    Done,
    Interrupted,
    Reject(Verdict),
}

/// Handles or dead-letters one delivery; false when shutdown interrupted it (uncommitted).
pub(super) async fn process(
    spec: &ConsumerSpec,
    deps: &ConsumerDeps,
    handler: &dyn Handler,
    delivery: &Delivery,
    shutdown: &CancellationToken,
) -> bool {
    let verdict = match decode_up_to(&delivery.payload, spec.policy.schemas.read_max) {
        Err(error) => Verdict {
            code: RejectionCode::Undecodable,
            reason: error.to_string(),
            attempts: 1,
        },
        Ok(envelope) => match handler.interest(envelope.event_type()) {
            Interest::Skip => {
                count(spec, "skipped");
                return true;
            }
            Interest::Reject => Verdict {
                code: RejectionCode::UnexpectedType,
                reason: unexpected(&envelope, delivery),
                attempts: 1,
            },
            Interest::Handle => {
                let envelope = traced(deps, envelope, delivery);
                let mut span = consume_span(spec, &envelope, delivery);
                match handle(spec, deps, handler, &envelope, shutdown).await {
                    Outcome::Done => {
                        span.outcome("handled", false);
                        count(spec, "handled");
                        return true;
                    }
                    Outcome::Interrupted => {
                        span.outcome("interrupted", true);
                        count(spec, "interrupted");
                        return false;
                    }
                    Outcome::Reject(verdict) => {
                        span.outcome(verdict.code.as_str(), true);
                        verdict
                    }
                }
            }
        },
    };
    let correlation = delivery
        .correlation_id
        .as_ref()
        .map(|c| c.to_string())
        .unwrap_or_default();
    tracing::warn!(
        correlation_id = %correlation,
        group = %spec.group,
        code = verdict.code.as_str(),
        reason = %verdict.reason,
        attempts = verdict.attempts,
        "dead-lettering a record"
    );
    let written = dead_letter::write(spec, deps, delivery, verdict, shutdown).await;
    count(
        spec,
        if written {
            "dead_lettered"
        } else {
            "interrupted"
        },
    );
    written
}

/// The event in this consumer's hop of the record's trace: what the handler passes on to what
/// it produces. The record's header names the trace, else its bytes (a V2 envelope carries
/// it too, for hops that drop headers). A record without a trace stays without one; the
/// consumer does not invent a trace its producer did not start.
fn traced(deps: &ConsumerDeps, envelope: Envelope, delivery: &Delivery) -> Envelope {
    let hop = delivery
        .trace
        .or(envelope.trace)
        .map(|parent| deps.entropy.child_span(&parent));
    envelope.with_trace(hop)
}

/// The consumer's exported span: its hop's span id (what the handler passes on), child of the
/// record's `traceparent`.
fn consume_span(spec: &ConsumerSpec, envelope: &Envelope, delivery: &Delivery) -> HopSpan {
    let (Some(hop), true) = (envelope.trace, otel::enabled()) else {
        return HopSpan::default();
    };
    let name = format!("consume {}", delivery.topic);
    let mut span = otel::hop(&name, otel::Kind::Consumer, hop, delivery.trace);
    span.attr("saga.component", spec.component);
    span.attr("messaging.consumer.group.name", &spec.group);
    span.attr("messaging.destination.name", delivery.topic);
    span.attr("messaging.kafka.offset", delivery.offset);
    span.attr("saga.event_id", envelope.event_id);
    span.attr("saga.event_type", envelope.event_type().as_str());
    if let Some(order) = envelope.order_id() {
        span.attr("saga.order_id", order);
    }
    if let Some(replay) = delivery.replay {
        span.attr("saga.replay_of", replay.dead_letter);
    }
    span
}

fn count(spec: &ConsumerSpec, outcome: &'static str) {
    let labels = [("component", spec.component), ("outcome", outcome)];
    ::metrics::counter!(metrics::EVENTS_CONSUMED, &labels).increment(1);
}

fn unexpected(envelope: &Envelope, delivery: &Delivery) -> String {
    format!(
        "unexpected event type {} on topic {}",
        envelope.event_type().as_str(),
        delivery.topic
    )
}

/// How long the `give-up-after-10s` mutant retries a transient failure before dropping the
/// record.
const GIVE_UP_AFTER: Duration = Duration::from_secs(10);

/// The handler's answer, retried as the module docs say.
async fn handle(
    spec: &ConsumerSpec,
    deps: &ConsumerDeps,
    handler: &dyn Handler,
    envelope: &Envelope,
    shutdown: &CancellationToken,
) -> Outcome {
    let mut backoff = Backoff::service().with_jitter(deps.entropy.clone());
    let (mut attempts, mut permanent) = (0, 0);
    let started = deps.clock.now();
    loop {
        attempts += 1;
        match handler.handle(envelope).await {
            Ok(Handled::Done) => return Outcome::Done,
            Ok(Handled::Unprocessable { code, reason }) => {
                return Outcome::Reject(Verdict {
                    code,
                    reason,
                    attempts,
                });
            }
            Err(error) if error.is_transient() || mutant::active(Mutant::PermanentAsTransient) => {
                tracing::warn!(%error, transient = true, attempts, "handling failed; retrying");
                let waited = deps.clock.now() - started;
                if mutant::active(Mutant::GiveUpAfterTenSeconds) && waited >= GIVE_UP_AFTER {
                    return Outcome::Done;
                }
            }
            Err(error) => {
                permanent += 1;
                tracing::warn!(%error, transient = false, attempts, "handling failed");
                if permanent >= spec.policy.max_attempts {
                    return Outcome::Reject(Verdict {
                        code: RejectionCode::HandlerFailed,
                        reason: error.to_string(),
                        attempts,
                    });
                }
            }
        }
        if !backoff.wait(shutdown).await {
            return Outcome::Interrupted;
        }
    }
}
