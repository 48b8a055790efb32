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

#[cfg(test)]
mod tests {
    //! The handler alone on the memory delivery store. It sees payment events only (no
    //! orders): a successful payment assigns a courier once per order, a failed one none.

    use std::sync::Arc;

    use saga_core::ports::{Entropy, FixedClock, SeededEntropy};
    use saga_core::{CorrelationId, Item, OrderId, PaymentDecision};
    use saga_memory::{MemoryDeliveryStore, MemoryEventBus};
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
        fn payment(&self, order: i64, decision: PaymentDecision) -> Envelope {
            Envelope {
                event_id: self.entropy.event_id(),
                occurred_at: datetime!(2026-01-01 0:00 UTC),
                correlation_id: CorrelationId::parse("c-1").unwrap(),
                causation_id: Some(self.entropy.event_id()),
                body: EventBody::Payment {
                    order_id: OrderId::new(order).unwrap(),
                    decision,
                },
            }
        }

        fn assigned(&self, order: i64) -> usize {
            let order = OrderId::new(order).unwrap();
            let rows = self.deliveries.snapshot();
            rows.iter().filter(|a| a.order_id == order).count()
        }
    }

    #[tokio::test]
    async fn duplicate_success_events_assign_one_courier() {
        let f = fixture();
        let success = f.payment(1, PaymentDecision::Success);
        // The same event redelivered, and a second success event for the same order.
        for event in [&success, &success, &f.payment(1, PaymentDecision::Success)] {
            f.handler.handle(event).await.unwrap();
        }
        assert_eq!(f.assigned(1), 1);
        let row = &f.deliveries.snapshot()[0];
        assert_eq!(row.payment_event_id, success.event_id);
        assert_eq!(row.assigned_at, datetime!(2026-01-01 0:01 UTC));
    }

    #[tokio::test]
    async fn a_failed_payment_assigns_nothing_whatever_the_order() {
        let f = fixture();
        f.handler
            .handle(&f.payment(2, PaymentDecision::Failed))
            .await
            .unwrap();
        assert!(f.deliveries.snapshot().is_empty());
    }

    #[tokio::test]
    async fn interleaved_orders_out_of_order_get_one_courier_each() {
        let f = fixture();
        let events = [
            f.payment(3, PaymentDecision::Success),
            f.payment(1, PaymentDecision::Success),
            f.payment(2, PaymentDecision::Failed),
        ];
        for event in events.iter().rev().chain(&events) {
            f.handler.handle(event).await.unwrap();
        }
        assert_eq!((f.assigned(1), f.assigned(2), f.assigned(3)), (1, 0, 1));
    }

    #[tokio::test]
    async fn an_order_created_event_is_not_taken_and_assigns_nothing() {
        let f = fixture();
        assert!(!f.handler.accepts(EventType::OrderCreated));
        let created = Envelope {
            body: EventBody::OrderCreated {
                order_id: OrderId::new(1).unwrap(),
                item: Item::parse("tea").unwrap(),
            },
            ..f.payment(1, PaymentDecision::Success)
        };
        f.handler.handle(&created).await.unwrap();
        assert!(f.deliveries.snapshot().is_empty());
    }
}
