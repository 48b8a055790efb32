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

#[cfg(test)]
mod tests {
    //! The handler alone on the memory order store.

    use std::sync::Arc;

    use saga_core::ports::{Entropy, FixedClock, NewOrder, OrderStore, SeededEntropy};
    use saga_core::snapshot::OrderStoreSnapshot;
    use saga_core::{CorrelationId, Item, OrderId, OrderStatus, PaymentDecision};
    use saga_memory::{MemoryEventBus, MemoryOrderStore};
    use time::macros::datetime;

    use super::*;

    struct Fixture {
        store: MemoryOrderStore,
        handler: StatusHandler,
        entropy: SeededEntropy,
    }

    fn fixture() -> Fixture {
        let store = MemoryOrderStore::new();
        let deps = StatusWorkerDeps {
            bus: Arc::new(MemoryEventBus::new(3)),
            store: Arc::new(store.clone()),
            clock: Arc::new(FixedClock::new(datetime!(2026-01-01 0:01 UTC))),
            entropy: Arc::new(SeededEntropy::new(7)),
        };
        Fixture {
            store,
            handler: StatusHandler { deps },
            entropy: SeededEntropy::new(8),
        }
    }

    impl Fixture {
        async fn order(&self) -> OrderId {
            let new = NewOrder {
                item: Item::parse("tea").unwrap(),
                correlation_id: CorrelationId::parse("c-1").unwrap(),
                idempotency_key: None,
                event_id: self.entropy.event_id(),
                created_at: datetime!(2026-01-01 0:00 UTC),
            };
            self.store.create_order(new).await.unwrap().order().id
        }

        fn payment(&self, order: OrderId, decision: PaymentDecision) -> Envelope {
            Envelope {
                event_id: self.entropy.event_id(),
                occurred_at: datetime!(2026-01-01 0:00 UTC),
                correlation_id: CorrelationId::parse("c-1").unwrap(),
                causation_id: Some(self.entropy.event_id()),
                body: EventBody::Payment {
                    order_id: order,
                    decision,
                },
            }
        }

        async fn status(&self, order: OrderId) -> OrderStatus {
            self.store.get_order(order).await.unwrap().unwrap().status
        }

        fn state(&self) -> OrderStoreSnapshot {
            self.store.snapshot()
        }
    }

    fn changes(state: &OrderStoreSnapshot) -> usize {
        state.status_changes.as_ref().map_or(0, Vec::len)
    }

    #[tokio::test]
    async fn a_duplicate_payment_event_applies_once() {
        let f = fixture();
        let order = f.order().await;
        let success = f.payment(order, PaymentDecision::Success);
        for _ in 0..3 {
            f.handler.handle(&success).await.unwrap();
        }
        assert_eq!(f.status(order).await, OrderStatus::Completed);
        let state = f.state();
        assert_eq!(changes(&state), 1);
        assert_eq!(state.processed_events, vec![success.event_id]);
    }

    #[tokio::test]
    async fn a_terminal_order_never_changes_whatever_arrives_after() {
        let f = fixture();
        let order = f.order().await;
        f.handler
            .handle(&f.payment(order, PaymentDecision::Failed))
            .await
            .unwrap();
        // Out of order: a contradicting outcome for the same order arrives later.
        let late = f.payment(order, PaymentDecision::Success);
        f.handler.handle(&late).await.unwrap();
        assert_eq!(f.status(order).await, OrderStatus::Cancelled);
        let state = f.state();
        assert_eq!(changes(&state), 1);
        assert!(state.processed_events.contains(&late.event_id));
    }

    #[tokio::test]
    async fn interleaved_orders_each_take_their_own_outcome() {
        let f = fixture();
        let (a, b) = (f.order().await, f.order().await);
        let events = [
            f.payment(b, PaymentDecision::Failed),
            f.payment(a, PaymentDecision::Success),
        ];
        for event in events.iter().chain(events.iter().rev()) {
            f.handler.handle(event).await.unwrap();
        }
        assert_eq!(f.status(a).await, OrderStatus::Completed);
        assert_eq!(f.status(b).await, OrderStatus::Cancelled);
        assert_eq!(changes(&f.state()), 2);
    }

    #[tokio::test]
    async fn a_payment_for_an_unknown_order_creates_nothing() {
        let f = fixture();
        let unknown = OrderId::new(42).unwrap();
        // Whatever the handler reports, no order may appear and none may change.
        let _ = f
            .handler
            .handle(&f.payment(unknown, PaymentDecision::Success))
            .await;
        let state = f.state();
        assert!(state.orders.is_empty());
        assert_eq!(changes(&state), 0);
        assert!(f.store.get_order(unknown).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn an_order_created_event_is_not_taken_and_changes_nothing() {
        let f = fixture();
        let order = f.order().await;
        assert!(!f.handler.accepts(EventType::OrderCreated));
        let created = Envelope {
            body: EventBody::OrderCreated {
                order_id: order,
                item: Item::parse("tea").unwrap(),
            },
            ..f.payment(order, PaymentDecision::Success)
        };
        f.handler.handle(&created).await.unwrap();
        assert_eq!(f.status(order).await, OrderStatus::Pending);
        assert!(f.state().processed_events.is_empty());
    }
}
