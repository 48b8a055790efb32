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
            trace: event.trace,
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

#[cfg(test)]
mod tests {
    //! The handler alone on the memory delivery store. It keeps no orders: it assigns a courier
    //! once per ORDER_COMPLETED order (the order-status worker writes that event only when it
    //! completes an order), whatever is redelivered or reordered, and nothing for anything else.

    use std::sync::Arc;

    use saga_core::ports::{Entropy, FixedClock, SeededEntropy};
    use saga_core::{CorrelationId, EventId, Item, OrderId, PaymentDecision};
    use saga_memory::{MemoryDeadLetters, MemoryDeliveryStore, MemoryEventBus};
    use time::macros::datetime;

    use super::*;

    struct Fixture {
        deliveries: MemoryDeliveryStore,
        handler: DeliveryHandler,
        entropy: SeededEntropy,
    }

    fn fixture() -> Fixture {
        let deliveries = MemoryDeliveryStore::new();
        let deps = DeliveryWorkerDeps {
            bus: Arc::new(MemoryEventBus::new(3)),
            dead_letters: Arc::new(MemoryDeadLetters::new()),
            deliveries: Arc::new(deliveries.clone()),
            clock: Arc::new(FixedClock::new(datetime!(2026-01-01 0:01 UTC))),
            entropy: Arc::new(SeededEntropy::new(7)),
        };
        Fixture {
            deliveries,
            handler: DeliveryHandler { deps },
            entropy: SeededEntropy::new(8),
        }
    }

    impl Fixture {
        /// ORDER_COMPLETED for `order`, caused by the payment event `payment`.
        fn completed_by(&self, order: i64, payment: EventId) -> Envelope {
            Envelope::order_completed(
                self.entropy.event_id(),
                datetime!(2026-01-01 0:00 UTC),
                CorrelationId::parse("c-1").unwrap(),
                OrderId::new(order).unwrap(),
                payment,
            )
        }

        fn completed(&self, order: i64) -> Envelope {
            self.completed_by(order, self.entropy.event_id())
        }

        fn assigned(&self, order: i64) -> usize {
            let order = OrderId::new(order).unwrap();
            let rows = self.deliveries.snapshot();
            rows.iter().filter(|a| a.order_id == order).count()
        }

        async fn handle(&self, event: &Envelope) {
            assert_eq!(self.handler.handle(event).await.unwrap(), Handled::Done);
        }
    }

    #[tokio::test]
    async fn a_redelivered_or_repeated_completion_assigns_one_courier() {
        let f = fixture();
        let completed = f.completed(1);
        // The same event redelivered, then another ORDER_COMPLETED for the same order.
        for event in [&completed, &completed, &f.completed(1)] {
            f.handle(event).await;
        }
        assert_eq!(f.assigned(1), 1);
        let row = &f.deliveries.snapshot()[0];
        assert_eq!(Some(row.payment_event_id), completed.causation_id);
        assert_eq!(row.assigned_at, datetime!(2026-01-01 0:01 UTC));
    }

    #[tokio::test]
    async fn interleaved_orders_out_of_order_get_one_courier_each() {
        let f = fixture();
        let events = [f.completed(3), f.completed(1), f.completed(2)];
        for event in events.iter().rev().chain(&events) {
            f.handle(event).await;
        }
        assert_eq!((f.assigned(1), f.assigned(2), f.assigned(3)), (1, 1, 1));
        assert_eq!(f.deliveries.snapshot().len(), 3);
    }

    #[tokio::test]
    async fn payment_events_are_not_taken_and_assign_nothing() {
        let f = fixture();
        // A success on `payments` is not a completed order (it may be forged or contradict
        // the outcome applied): only the order-status worker's ORDER_COMPLETED counts.
        for event_type in [EventType::PaymentSuccess, EventType::PaymentFailed] {
            assert_eq!(f.handler.interest(event_type), Interest::Reject);
        }
        let success = Envelope {
            body: EventBody::Payment {
                order_id: OrderId::new(1).unwrap(),
                decision: PaymentDecision::Success,
            },
            ..f.completed(1)
        };
        f.handle(&success).await;
        assert!(f.deliveries.snapshot().is_empty());
    }

    #[tokio::test]
    async fn order_created_is_skipped_and_a_completion_without_cause_assigns_nothing() {
        let f = fixture();
        assert_eq!(f.handler.interest(EventType::OrderCreated), Interest::Skip);
        assert_eq!(
            f.handler.interest(EventType::OrderCompleted),
            Interest::Handle
        );
        let created = Envelope {
            body: EventBody::OrderCreated {
                order_id: OrderId::new(1).unwrap(),
                item: Item::parse("tea").unwrap(),
            },
            ..f.completed(1)
        };
        f.handle(&created).await;
        let uncaused = Envelope {
            causation_id: None,
            ..f.completed(2)
        };
        f.handle(&uncaused).await;
        assert!(f.deliveries.snapshot().is_empty());
    }
}
