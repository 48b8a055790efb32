//! Applying one payment outcome to its order.

use async_trait::async_trait;
use saga_core::event::{RejectionCode, Schema};
use saga_core::ports::{ApplyOutcome, PaymentApplication, PortError};
use saga_core::{Envelope, EventBody, EventType};
use saga_runtime::consumer::{Handled, Handler, Interest};

use crate::StatusWorkerDeps;

pub(crate) struct StatusHandler {
    pub deps: StatusWorkerDeps,
    /// The `drop-unprocessable` mutant: what cannot be applied is committed past, not
    /// dead-lettered. Correct: false.
    pub drop_unprocessable: bool,
    /// The schema of the ORDER_COMPLETED events it writes.
    pub schema: Schema,
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
                trace: event.trace,
                schema: self.schema,
            })
            .await?;
        let (label, unprocessable) = match outcome {
            ApplyOutcome::Applied(status) => {
                tracing::info!(%order_id, %status, "order status updated");
                let terminal = [("status", status.as_str())];
                metrics::counter!(saga_runtime::metrics::ORDERS_TERMINAL, &terminal).increment(1);
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
            Some(_) if self.drop_unprocessable => Handled::Done,
            Some((code, reason)) => Handled::Unprocessable { code, reason },
        })
    }
}

#[cfg(test)]
mod tests {
    //! The handler alone on the memory order store: a payment event applies once, to a PENDING
    //! order only, and a completed order gets one ORDER_COMPLETED in the outbox; what must not
    //! be applied (unknown order, wrong causation, a contradiction) is unprocessable.

    use std::sync::Arc;

    use saga_core::ports::{Entropy, FixedClock, NewOrder, OrderStore, SeededEntropy};
    use saga_core::snapshot::OrderStoreSnapshot;
    use saga_core::{CorrelationId, EventId, Item, OrderId, OrderStatus, PaymentDecision};
    use saga_memory::{MemoryDeadLetters, MemoryEventBus, MemoryOrderStore};
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
            dead_letters: Arc::new(MemoryDeadLetters::new()),
            store: Arc::new(store.clone()),
            clock: Arc::new(FixedClock::new(datetime!(2026-01-01 0:01 UTC))),
            entropy: Arc::new(SeededEntropy::new(7)),
        };
        Fixture {
            store,
            handler: StatusHandler {
                deps,
                drop_unprocessable: false,
                schema: Schema::V1,
            },
            entropy: SeededEntropy::new(8),
        }
    }

    /// A committed order: its id and its ORDER_CREATED event's id.
    struct Placed {
        id: OrderId,
        created: EventId,
    }

    impl Fixture {
        async fn order(&self) -> Placed {
            let new = NewOrder {
                item: Item::parse("tea").unwrap(),
                correlation_id: CorrelationId::parse("c-1").unwrap(),
                idempotency_key: None,
                owner: None,
                event_id: self.entropy.event_id(),
                created_at: datetime!(2026-01-01 0:00 UTC),
                trace: None,
                schema: saga_core::event::Schema::V1,
            };
            let created = new.event_id;
            let id = self.store.create_order(new).await.unwrap().order().id;
            Placed { id, created }
        }

        /// A payment outcome for `order` whose `causation_id` is `cause`.
        fn payment_caused_by(
            &self,
            order: OrderId,
            cause: EventId,
            decision: PaymentDecision,
        ) -> Envelope {
            Envelope {
                event_id: self.entropy.event_id(),
                occurred_at: datetime!(2026-01-01 0:00 UTC),
                correlation_id: CorrelationId::parse("c-1").unwrap(),
                causation_id: Some(cause),
                body: EventBody::Payment {
                    order_id: order,
                    decision,
                },
                trace: None,
            }
        }

        fn payment(&self, order: &Placed, decision: PaymentDecision) -> Envelope {
            self.payment_caused_by(order.id, order.created, decision)
        }

        async fn status(&self, order: &Placed) -> OrderStatus {
            self.store
                .get_order(order.id)
                .await
                .unwrap()
                .unwrap()
                .status
        }

        fn state(&self) -> OrderStoreSnapshot {
            self.store.snapshot()
        }
    }

    fn changes(state: &OrderStoreSnapshot) -> usize {
        state.status_changes.len()
    }

    /// ORDER_COMPLETED rows in the outbox for `order`.
    fn completions(state: &OrderStoreSnapshot, order: &Placed) -> usize {
        let rows = state.outbox.iter();
        rows.filter(|r| !r.order_created && r.order_id == Some(order.id))
            .count()
    }

    fn code(handled: Handled) -> Option<RejectionCode> {
        match handled {
            Handled::Done => None,
            Handled::Unprocessable { code, .. } => Some(code),
        }
    }

    #[tokio::test]
    async fn a_redelivered_payment_event_applies_once_and_completes_once() {
        let f = fixture();
        let order = f.order().await;
        let success = f.payment(&order, PaymentDecision::Success);
        for _ in 0..3 {
            assert_eq!(f.handler.handle(&success).await.unwrap(), Handled::Done);
        }
        assert_eq!(f.status(&order).await, OrderStatus::Completed);
        let state = f.state();
        assert_eq!(changes(&state), 1);
        assert_eq!(state.processed_events, vec![success.event_id]);
        assert_eq!(completions(&state, &order), 1);
    }

    #[tokio::test]
    async fn each_order_made_terminal_is_counted_once_by_its_status() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        // The test runtime is current-thread: the handler records on this thread.
        let _local = metrics::set_default_local_recorder(&recorder);
        let f = fixture();
        let (paid, unpaid) = (f.order().await, f.order().await);
        let success = f.payment(&paid, PaymentDecision::Success);
        f.handler.handle(&success).await.unwrap();
        f.handler.handle(&success).await.unwrap();
        let failed = f.payment(&unpaid, PaymentDecision::Failed);
        f.handler.handle(&failed).await.unwrap();
        let text = handle.render();
        assert!(
            text.contains("saga_orders_terminal_total{status=\"COMPLETED\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("saga_orders_terminal_total{status=\"CANCELLED\"} 1\n"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn a_terminal_order_never_changes_whatever_arrives_after() {
        let f = fixture();
        let order = f.order().await;
        let failed = f.payment(&order, PaymentDecision::Failed);
        assert_eq!(f.handler.handle(&failed).await.unwrap(), Handled::Done);
        // Another event agreeing with the applied outcome is recorded and changes nothing.
        let agreeing = f.payment(&order, PaymentDecision::Failed);
        assert_eq!(f.handler.handle(&agreeing).await.unwrap(), Handled::Done);
        // A contradicting outcome arriving later is unprocessable, and is not recorded.
        let late = f.payment(&order, PaymentDecision::Success);
        let handled = f.handler.handle(&late).await.unwrap();
        assert_eq!(code(handled), Some(RejectionCode::ContradictsApplied));
        assert_eq!(f.status(&order).await, OrderStatus::Cancelled);
        let state = f.state();
        assert_eq!(changes(&state), 1);
        assert_eq!(
            state.processed_events,
            vec![failed.event_id, agreeing.event_id]
        );
        assert_eq!(completions(&state, &order), 0);
    }

    #[tokio::test]
    async fn interleaved_orders_out_of_order_each_take_their_own_outcome() {
        let f = fixture();
        let (a, b) = (f.order().await, f.order().await);
        let events = [
            f.payment(&b, PaymentDecision::Failed),
            f.payment(&a, PaymentDecision::Success),
        ];
        // Later order first, then both again in the other order (redeliveries).
        for event in events.iter().chain(events.iter().rev()) {
            assert_eq!(f.handler.handle(event).await.unwrap(), Handled::Done);
        }
        assert_eq!(f.status(&a).await, OrderStatus::Completed);
        assert_eq!(f.status(&b).await, OrderStatus::Cancelled);
        let state = f.state();
        assert_eq!(changes(&state), 2);
        assert_eq!((completions(&state, &a), completions(&state, &b)), (1, 0));
    }

    #[tokio::test]
    async fn a_payment_for_an_unknown_order_is_unprocessable_and_creates_nothing() {
        let f = fixture();
        let unknown = OrderId::new(42).unwrap();
        let event = f.payment_caused_by(unknown, f.entropy.event_id(), PaymentDecision::Success);
        let handled = f.handler.handle(&event).await.unwrap();
        assert_eq!(code(handled), Some(RejectionCode::UnknownOrder));
        let state = f.state();
        assert!(state.orders.is_empty());
        assert!(state.processed_events.is_empty());
        assert_eq!(changes(&state), 0);
    }

    #[tokio::test]
    async fn a_payment_not_caused_by_the_orders_creation_is_unprocessable() {
        let f = fixture();
        let order = f.order().await;
        let forged = f.payment_caused_by(order.id, f.entropy.event_id(), PaymentDecision::Success);
        let handled = f.handler.handle(&forged).await.unwrap();
        assert_eq!(code(handled), Some(RejectionCode::WrongCausation));
        assert_eq!(f.status(&order).await, OrderStatus::Pending);
        assert!(f.state().processed_events.is_empty());
    }

    #[tokio::test]
    async fn only_payment_events_are_handled_and_other_bodies_change_nothing() {
        let f = fixture();
        let order = f.order().await;
        assert_eq!(
            f.handler.interest(EventType::PaymentSuccess),
            Interest::Handle
        );
        assert_eq!(
            f.handler.interest(EventType::PaymentFailed),
            Interest::Handle
        );
        assert_eq!(
            f.handler.interest(EventType::OrderCreated),
            Interest::Reject
        );
        let created = Envelope {
            body: EventBody::OrderCreated {
                order_id: order.id,
                item: Item::parse("tea").unwrap(),
            },
            ..f.payment(&order, PaymentDecision::Success)
        };
        assert_eq!(f.handler.handle(&created).await.unwrap(), Handled::Done);
        assert_eq!(f.status(&order).await, OrderStatus::Pending);
        assert!(f.state().processed_events.is_empty());
    }
}
