//! Assigning one delivery.

use async_trait::async_trait;
use saga_core::ports::{AssignOutcome, DeliveryAssignment, PortError};
use saga_core::{Envelope, EventBody, EventType};
use saga_runtime::consumer::{Handled, Handler, Interest};

use crate::DeliveryWorkerDeps;

pub(crate) struct DeliveryHandler {
    pub deps: DeliveryWorkerDeps,
}

#[async_trait]
impl Handler for DeliveryHandler {
    fn interest(&self, event_type: EventType) -> Interest {
        match event_type {
            EventType::OrderCompleted => Interest::Handle,
            // The payment worker's, on the same topic.
            EventType::OrderCreated => Interest::Skip,
            _ => Interest::Reject,
        }
    }

    /// Only ORDER_COMPLETED reaches here, and only the order-status worker writes it, in the
    /// transaction that makes the order COMPLETED: whatever arrives on `payments` (forged,
    /// contradictory, duplicated), no courier goes to an order that is not COMPLETED.
    async fn handle(&self, event: &Envelope) -> Result<Handled, PortError> {
        let (EventBody::OrderCompleted { order_id }, Some(payment_event_id)) =
            (&event.body, event.causation_id)
        else {
            return Ok(Handled::Done);
        };
        let order_id = *order_id;
        let assignment = DeliveryAssignment {
            order_id,
            payment_event_id,
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
        Ok(Handled::Done)
    }
}
