//! Deciding one payment and publishing its outcome.

use async_trait::async_trait;
use saga_core::mutant::Mutant;
use saga_core::ports::{OutgoingMessage, PortError};
use saga_core::{Envelope, EventBody, EventType, PaymentDecision, Topic};
use saga_runtime::consumer::{Handled, Handler, Interest};

use crate::{PaymentWorkerConfig, PaymentWorkerDeps};

pub(crate) struct PaymentHandler {
    pub deps: PaymentWorkerDeps,
    pub config: PaymentWorkerConfig,
}

#[async_trait]
impl Handler for PaymentHandler {
    fn interest(&self, event_type: EventType) -> Interest {
        match event_type {
            EventType::OrderCreated => Interest::Handle,
            // The delivery worker's, on the same topic.
            EventType::OrderCompleted => Interest::Skip,
            _ => Interest::Reject,
        }
    }

    async fn handle(&self, created: &Envelope) -> Result<Handled, PortError> {
        let EventBody::OrderCreated { order_id, .. } = created.body else {
            return Ok(Handled::Done);
        };
        let proposal = if self.deps.entropy.coin(self.config.success_probability) {
            PaymentDecision::Success
        } else {
            PaymentDecision::Failed
        };
        let decision = if self.config.mutant == Some(Mutant::ForgetDecision) {
            proposal
        } else {
            // A redelivered ORDER_CREATED gets the decision its first delivery made.
            self.deps
                .decisions
                .decide(created.event_id, proposal)
                .await?
        };
        let outcome = Envelope {
            // A fresh id per publish, as any producer retrying after a crash would make: the
            // status worker's processed_events and its PENDING-only update must both hold.
            event_id: self.deps.entropy.event_id(),
            occurred_at: self.deps.clock.now(),
            correlation_id: created.correlation_id.clone(),
            causation_id: Some(created.event_id),
            body: EventBody::Payment { order_id, decision },
        };
        let message = OutgoingMessage {
            topic: Topic::Payments,
            key: order_id.key(),
            payload: outcome.to_bytes(),
            correlation_id: Some(outcome.correlation_id.clone()),
            replay: None,
        };
        self.deps.bus.publish(vec![message]).await?;
        metrics::counter!(saga_runtime::metrics::PAYMENT_DECISIONS, "decision" => decision.as_str()).increment(1);
        tracing::info!(%order_id, decision = decision.as_str(), "payment decided");
        Ok(Handled::Done)
    }
}
