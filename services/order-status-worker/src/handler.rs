//! Applying one payment outcome to its order.

use async_trait::async_trait;
use saga_core::event::RejectionCode;
use saga_core::ports::{ApplyOutcome, PaymentApplication, PortError};
use saga_core::{Envelope, EventBody, EventType};
use saga_runtime::consumer::{Handled, Handler, Interest};

use crate::StatusWorkerDeps;

pub(crate) struct StatusHandler {
    pub deps: StatusWorkerDeps,
}

#[async_trait]
impl Handler for StatusHandler {
    fn interest(&self, event_type: EventType) -> Interest {
        match event_type {
            EventType::PaymentSuccess | EventType::PaymentFailed => Interest::Handle,
            _ => Interest::Reject,
        }
    }

    async fn handle(&self, event: &Envelope) -> Result<Handled, PortError> {
        let (EventBody::Payment { order_id, decision }, Some(causation_id)) =
            (&event.body, event.causation_id)
        else {
            return Ok(Handled::Done);
        };
        let (order_id, decision) = (*order_id, *decision);
        let outcome = self
            .deps
            .store
            .apply_payment(PaymentApplication {
                event_id: event.event_id,
                causation_id,
                order_id,
                decision,
                correlation_id: event.correlation_id.clone(),
                at: self.deps.clock.now(),
                completion_event_id: self.deps.entropy.event_id(),
            })
            .await?;
        let (label, unprocessable) = match outcome {
            ApplyOutcome::Applied(status) => {
                tracing::info!(%order_id, %status, "order status updated");
                ("applied", None)
            }
            ApplyOutcome::Duplicate => ("duplicate", None),
            ApplyOutcome::AlreadyTerminal(_) => ("already_terminal", None),
            // Orders commit before their events are published: a forged or misrouted event.
            ApplyOutcome::UnknownOrder => (
                "unknown_order",
                Some((
                    RejectionCode::UnknownOrder,
                    format!("order {order_id} does not exist"),
                )),
            ),
            ApplyOutcome::WrongCausation => (
                "wrong_causation",
                Some((
                    RejectionCode::WrongCausation,
                    format!(
                        "causation_id {causation_id} is not the ORDER_CREATED of order {order_id}"
                    ),
                )),
            ),
            // A decision lost and made again, or a forged event: the first applied one stands.
            ApplyOutcome::Contradicts(status) => (
                "contradicts_applied",
                Some((
                    RejectionCode::ContradictsApplied,
                    format!(
                        "{} for order {order_id}, which is already {status}",
                        event.event_type().as_str()
                    ),
                )),
            ),
        };
        metrics::counter!(saga_runtime::metrics::STATUS_UPDATES, "outcome" => label).increment(1);
        Ok(match unprocessable {
            None => Handled::Done,
            Some((code, reason)) => Handled::Unprocessable { code, reason },
        })
    }
}
