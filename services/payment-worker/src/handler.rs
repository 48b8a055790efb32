//! Deciding one payment and publishing its outcome.

use async_trait::async_trait;
use saga_core::mutant::{self, Mutant};
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
        let decision = if mutant::active(Mutant::ForgetDecision) {
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
            trace: created.trace,
        };
        let message = OutgoingMessage {
            topic: Topic::Payments,
            key: order_id.key(),
            payload: outcome.encode(self.config.policy.schemas.write),
            correlation_id: Some(outcome.correlation_id.clone()),
            replay: None,
            trace: outcome.trace,
        };
        self.deps.bus.publish(vec![message]).await?;
        metrics::counter!(saga_runtime::metrics::PAYMENT_DECISIONS, "decision" => decision.as_str()).increment(1);
        tracing::info!(%order_id, decision = decision.as_str(), "payment decided");
        Ok(Handled::Done)
    }
}

#[cfg(test)]
mod tests {
    //! The handler alone on the memory adapters. The payment worker keeps no orders, so an
    //! unknown or terminal order is not its concern: it decides once per ORDER_CREATED.

    use std::collections::BTreeSet;
    use std::sync::Arc;

    use saga_core::event::decode;
    use saga_core::ports::{Entropy, FixedClock, SeededEntropy};
    use saga_core::{CorrelationId, Item, OrderId};
    use saga_memory::{MemoryDeadLetters, MemoryDecisionStore, MemoryEventBus};
    use time::macros::datetime;

    use super::*;

    struct Fixture {
        bus: MemoryEventBus,
        decisions: MemoryDecisionStore,
        handler: PaymentHandler,
        entropy: SeededEntropy,
    }

    fn fixture() -> Fixture {
        let (bus, decisions) = (MemoryEventBus::new(3), MemoryDecisionStore::new());
        let deps = PaymentWorkerDeps {
            bus: Arc::new(bus.clone()),
            dead_letters: Arc::new(MemoryDeadLetters::new()),
            decisions: Arc::new(decisions.clone()),
            clock: Arc::new(FixedClock::new(datetime!(2026-01-01 0:00 UTC))),
            entropy: Arc::new(SeededEntropy::new(7)),
        };
        let config = PaymentWorkerConfig {
            success_probability: 0.5,
            ..Default::default()
        };
        Fixture {
            bus,
            decisions,
            handler: PaymentHandler { deps, config },
            entropy: SeededEntropy::new(8),
        }
    }

    impl Fixture {
        fn created(&self, order: i64) -> Envelope {
            Envelope::order_created(
                self.entropy.event_id(),
                datetime!(2026-01-01 0:00 UTC),
                CorrelationId::parse("c-1").unwrap(),
                OrderId::new(order).unwrap(),
                Item::parse("tea").unwrap(),
            )
        }

        /// Every payment event published so far.
        fn payments(&self) -> Vec<Envelope> {
            let records = self.bus.snapshot().records;
            let payments = records.iter().filter(|r| r.topic == Topic::Payments);
            payments.map(|r| decode(&r.payload).unwrap()).collect()
        }
    }

    fn decision(event: &Envelope) -> PaymentDecision {
        let EventBody::Payment { decision, .. } = event.body else {
            panic!("not a payment event: {event:?}");
        };
        decision
    }

    #[tokio::test]
    async fn a_redelivered_order_created_gets_its_first_decision() {
        let f = fixture();
        let created = f.created(1);
        for _ in 0..12 {
            assert_eq!(f.handler.handle(&created).await.unwrap(), Handled::Done);
        }
        let payments = f.payments();
        assert_eq!(payments.len(), 12);
        let decisions: BTreeSet<_> = payments.iter().map(decision).collect();
        assert_eq!(
            decisions.len(),
            1,
            "a coin of 0.5 flipped 12 times kept one outcome"
        );
        assert!(
            payments
                .iter()
                .all(|p| p.causation_id == Some(created.event_id))
        );
        assert!(payments.iter().all(|p| p.order_id() == created.order_id()));
        assert_eq!(f.decisions.snapshot().len(), 1);
    }

    #[tokio::test]
    async fn the_payment_event_continues_the_trace_of_its_order_created() {
        let f = fixture();
        let trace = f.entropy.new_trace();
        let created = f.created(1).with_trace(Some(trace));
        f.handler.handle(&created).await.unwrap();
        let records = f.bus.snapshot().records;
        let payment = records.iter().find(|r| r.topic == Topic::Payments).unwrap();
        assert_eq!(payment.trace, Some(trace));
    }

    #[tokio::test]
    async fn orders_interleaved_out_of_order_each_keep_their_own_decision() {
        let f = fixture();
        let events: Vec<Envelope> = (1..=6).map(|order| f.created(order)).collect();
        for i in [5, 2, 0, 5, 3, 1, 4, 0, 2] {
            assert_eq!(f.handler.handle(&events[i]).await.unwrap(), Handled::Done);
        }
        let stored = f.decisions.snapshot();
        assert_eq!(stored.len(), 6);
        for payment in f.payments() {
            let source = payment.causation_id.unwrap();
            let first = stored.iter().find(|(id, _)| *id == source).unwrap().1;
            assert_eq!(decision(&payment), first, "{payment:?}");
            let created = events.iter().find(|e| e.event_id == source).unwrap();
            assert_eq!(payment.order_id(), created.order_id());
        }
    }

    #[tokio::test]
    async fn only_order_created_is_handled_and_other_bodies_change_nothing() {
        let f = fixture();
        assert_eq!(
            f.handler.interest(EventType::OrderCreated),
            Interest::Handle
        );
        // The delivery worker's, on the same topic.
        assert_eq!(
            f.handler.interest(EventType::OrderCompleted),
            Interest::Skip
        );
        assert_eq!(
            f.handler.interest(EventType::PaymentSuccess),
            Interest::Reject
        );
        let payment = Envelope {
            body: EventBody::Payment {
                order_id: OrderId::new(1).unwrap(),
                decision: PaymentDecision::Success,
            },
            ..f.created(1)
        };
        assert_eq!(f.handler.handle(&payment).await.unwrap(), Handled::Done);
        assert!(f.payments().is_empty());
        assert!(f.decisions.snapshot().is_empty());
    }
}
