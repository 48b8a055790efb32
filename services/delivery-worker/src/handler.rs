//! Assigning one delivery.

use async_trait::async_trait;
use saga_core::ports::{AssignOutcome, DeliveryAssignment, PortError};
use saga_core::{Envelope, EventBody, EventType, PaymentDecision};
use saga_runtime::consumer::Handler;

use crate::DeliveryWorkerDeps;

pub(crate) struct DeliveryHandler {
    pub deps: DeliveryWorkerDeps,
}

#[async_trait]
impl Handler for DeliveryHandler {
    fn accepts(&self, event_type: EventType) -> bool {
        matches!(
            event_type,
            EventType::PaymentSuccess | EventType::PaymentFailed
        )
    }

    async fn handle(&self, event: &Envelope) -> Result<(), PortError> {
        let EventBody::Payment {
            order_id,
            decision: PaymentDecision::Success,
        } = event.body
        else {
            // A failed payment cancels the order: nothing to deliver.
            return Ok(());
        };
        let assignment = DeliveryAssignment {
            order_id,
            payment_event_id: event.event_id,
            assigned_at: self.deps.clock.now(),
        };
        let outcome = self.deps.deliveries.assign(assignment).await?;
        let label = match outcome {
            AssignOutcome::Assigned => {
                tracing::info!(%order_id, "delivery assigned");
                "assigned"
            }
            AssignOutcome::AlreadyAssigned => "already_assigned",
        };
        metrics::counter!(saga_runtime::metrics::DELIVERIES, "outcome" => label).increment(1);
        Ok(())
    }
}
