//! Applying one payment outcome to its order.

use async_trait::async_trait;
use saga_core::ports::{ApplyOutcome, PaymentApplication, PortError};
use saga_core::{Envelope, EventBody, EventType};
use saga_runtime::consumer::Handler;

use crate::StatusWorkerDeps;

pub(crate) struct StatusHandler {
    pub deps: StatusWorkerDeps,
}

#[async_trait]
impl Handler for StatusHandler {
    fn accepts(&self, event_type: EventType) -> bool {
        matches!(
            event_type,
            EventType::PaymentSuccess | EventType::PaymentFailed
        )
    }

    async fn handle(&self, event: &Envelope) -> Result<(), PortError> {
        let EventBody::Payment { order_id, decision } = event.body else {
            return Ok(());
        };
        let outcome = self
            .deps
            .store
            .apply_payment(PaymentApplication {
                event_id: event.event_id,
                order_id,
                decision,
                at: self.deps.clock.now(),
            })
            .await?;
        let label = match outcome {
            ApplyOutcome::Applied(status) => {
                tracing::info!(%order_id, %status, "order status updated");
                "applied"
            }
            ApplyOutcome::Duplicate => "duplicate",
            ApplyOutcome::AlreadyTerminal(_) => "already_terminal",
            ApplyOutcome::UnknownOrder => {
                // Orders commit before their events are published, so this is a bug upstream.
                tracing::error!(%order_id, event_id = %event.event_id, "payment for an unknown order");
                "unknown_order"
            }
        };
        metrics::counter!(saga_runtime::metrics::STATUS_UPDATES, "outcome" => label).increment(1);
        Ok(())
    }
}
