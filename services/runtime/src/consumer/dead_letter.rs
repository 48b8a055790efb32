//! Writing a rejection so that it always lands somewhere and never blocks: the `EVENT_REJECTED`
//! is sized to the producer's message limit (the original truncated, with its size and hash,
//! when the whole would not fit) and published to the topic's DLQ; when the DLQ refuses it
//! (a permanent error, or [`ConsumerPolicy::max_attempts`] transient failures), the untruncated
//! rejection is kept in the dead-letter table instead. Only when both are unreachable does the
//! consumer wait, retrying both, as it must not commit past a record it has not kept.
//!
//! [`ConsumerPolicy::max_attempts`]: super::ConsumerPolicy::max_attempts

use saga_core::Envelope;
use saga_core::event::{Original, RejectedBy, Rejection, RejectionSource};
use saga_core::ports::{Delivery, OutgoingMessage};
use tokio_util::sync::CancellationToken;

use super::process::Verdict;
use super::{ConsumerDeps, ConsumerSpec};
use crate::backoff::Backoff;
use crate::{metrics, otel};

/// Dead-letters `delivery`; false only when shutdown interrupted it (then nothing is committed).
pub(super) async fn write(
    spec: &ConsumerSpec,
    deps: &ConsumerDeps,
    delivery: &Delivery,
    verdict: Verdict,
    shutdown: &CancellationToken,
) -> bool {
    let rejection = Rejection {
        code: verdict.code,
        reason: verdict.reason,
        source: RejectionSource {
            topic: delivery.topic,
            partition: delivery.partition,
            offset: delivery.offset,
            key: delivery.key.clone(),
            correlation_id: delivery.correlation_id.clone(),
        },
        rejected_by: RejectedBy {
            group: spec.group.clone(),
            component: spec.component.to_owned(),
        },
        attempts: verdict.attempts,
        original: Original::whole(delivery.payload.clone()),
        replay_count: delivery.replay.map_or(0, |mark| mark.count),
    };
    let code = rejection.code.as_str();
    // The rejection stays in the record's trace, so a replay of it does too.
    let trace = delivery
        .trace
        .map(|parent| deps.entropy.child_span(&parent));
    let envelope =
        Envelope::rejected(deps.entropy.event_id(), deps.clock.now(), rejection).with_trace(trace);
    let _span = rejection_span(spec, delivery, &envelope, code);
    let dlq = delivery.topic.dlq();
    let message = OutgoingMessage {
        topic: dlq,
        key: delivery
            .key
            .clone()
            .unwrap_or_else(|| "rejected".to_owned()),
        payload: envelope.encode_within(deps.bus.max_message_bytes(), spec.policy.schemas.write),
        correlation_id: Some(envelope.correlation_id.clone()),
        replay: None,
        trace: envelope.trace,
    };
    let mut backoff = Backoff::service().with_jitter(deps.entropy.clone());
    let mut failures = 0;
    loop {
        let failure = match deps.bus.publish(vec![message.clone()]).await {
            Ok(()) => {
                let labels = [("topic", dlq.as_str()), ("reason", code)];
                ::metrics::counter!(metrics::DLQ_WRITES, &labels).increment(1);
                return true;
            }
            Err(error) => error,
        };
        failures += 1;
        tracing::warn!(error = %failure, transient = failure.is_transient(), "writing to {dlq} failed");
        if !failure.is_transient() || failures >= spec.policy.max_attempts {
            match deps
                .dead_letters
                .keep(&envelope, &failure.to_string())
                .await
            {
                Ok(()) => {
                    tracing::warn!(id = %envelope.event_id, "rejection kept in the dead-letter table instead");
                    ::metrics::counter!(metrics::DEAD_LETTERS_KEPT, "reason" => code).increment(1);
                    return true;
                }
                Err(error) => {
                    tracing::warn!(%error, "keeping the rejection in the dead-letter table failed");
                }
            }
        }
        if !backoff.wait(shutdown).await {
            return false;
        }
    }
}

/// The rejection's exported span: the hop its DLQ record carries, child of the rejected
/// record's `traceparent`, so a replay's spans hang under it.
fn rejection_span(
    spec: &ConsumerSpec,
    delivery: &Delivery,
    envelope: &Envelope,
    code: &str,
) -> otel::HopSpan {
    let (Some(hop), true) = (envelope.trace, otel::enabled()) else {
        return otel::HopSpan::default();
    };
    let name = format!("dead-letter {}", delivery.topic);
    let mut span = otel::hop(&name, otel::Kind::Producer, hop, delivery.trace);
    span.attr("saga.component", spec.component);
    span.attr("saga.event_id", envelope.event_id);
    span.attr("saga.event_type", envelope.event_type().as_str());
    span.attr("saga.rejection_code", code);
    span
}
