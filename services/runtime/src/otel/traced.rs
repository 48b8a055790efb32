//! The ports whose work becomes spans, decorated: each publish a producer span, each order
//! or courier transaction an internal one, children of the hop that asked for them. Only the
//! real wiring wraps its ports, and only when export is installed; the simulation's ports
//! stay bare.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use saga_core::event::decode;
use saga_core::ports::{
    ApplyOutcome, AssignOutcome, Consumer, CreateOutcome, DeliveryAssignment, DeliveryStore,
    EventBus, NewOrder, OrderStore, OutboxBacklog, OutboxClaim, OutgoingMessage,
    PaymentApplication, PortError, PruneCutoffs, Pruned, Redrive, StatusChange,
};
use saga_core::{Order, OrderId, Topic};
use time::OffsetDateTime;

use super::span::{HopSpan, Kind, within};

/// Ends `span` with the port's answer.
fn finish<T>(mut span: HopSpan, result: &Result<T, PortError>, ok: impl Fn(&T) -> String) {
    match result {
        Ok(value) => span.outcome(&ok(value), false),
        Err(error) => span.outcome(&error.to_string(), true),
    }
}

/// An [`EventBus`] whose every published record is a producer span.
pub struct TracedBus(pub Arc<dyn EventBus>);

impl TracedBus {
    fn span(message: &OutgoingMessage) -> HopSpan {
        let name = format!("publish {}", message.topic.as_str());
        let mut span = within(&name, Kind::Producer, message.trace);
        if span.is_recording() {
            span.attr("messaging.destination.name", message.topic.as_str());
            span.attr("messaging.kafka.message.key", &message.key);
            if let Ok(envelope) = decode(&message.payload) {
                span.attr("saga.event_id", envelope.event_id);
                span.attr("saga.event_type", envelope.event_type().as_str());
            }
            if let Some(replay) = message.replay {
                span.attr("saga.replay_of", replay.dead_letter);
            }
        }
        span
    }
}

#[async_trait]
impl EventBus for TracedBus {
    async fn publish(&self, messages: Vec<OutgoingMessage>) -> Result<(), PortError> {
        let spans: Vec<HopSpan> = messages.iter().map(Self::span).collect();
        let result = self.0.publish(messages).await;
        for span in spans {
            finish(span, &result, |_| "published".into());
        }
        result
    }

    async fn subscribe(
        &self,
        group: &str,
        topics: &[Topic],
    ) -> Result<Box<dyn Consumer>, PortError> {
        self.0.subscribe(group, topics).await
    }

    fn max_message_bytes(&self) -> usize {
        self.0.max_message_bytes()
    }

    async fn ping(&self) -> Result<(), PortError> {
        self.0.ping().await
    }
}

/// An [`OrderStore`] whose order-creating and payment-applying transactions are spans.
pub struct TracedOrderStore(pub Arc<dyn OrderStore>);

#[async_trait]
impl OrderStore for TracedOrderStore {
    async fn create_order(&self, new: NewOrder) -> Result<CreateOutcome, PortError> {
        let span = within("db create order", Kind::Internal, new.trace);
        let result = self.0.create_order(new).await;
        finish(span, &result, |outcome| match outcome {
            CreateOutcome::Created(order) => format!("created order {}", order.id),
            CreateOutcome::Existing(order) => format!("existing order {}", order.id),
        });
        result
    }

    async fn get_order(&self, id: OrderId) -> Result<Option<Order>, PortError> {
        self.0.get_order(id).await
    }

    async fn claim_outbox(&self, limit: usize) -> Result<Box<dyn OutboxClaim>, PortError> {
        self.0.claim_outbox(limit).await
    }

    async fn wait_for_outbox(&self, max_wait: Duration) {
        self.0.wait_for_outbox(max_wait).await;
    }

    async fn apply_payment(&self, apply: PaymentApplication) -> Result<ApplyOutcome, PortError> {
        let mut span = within("db apply payment", Kind::Internal, apply.trace);
        span.attr("saga.order_id", apply.order_id);
        span.attr("saga.event_id", apply.event_id);
        let result = self.0.apply_payment(apply).await;
        finish(span, &result, |outcome| format!("{outcome:?}"));
        result
    }

    async fn status_history(&self, id: OrderId) -> Result<Vec<StatusChange>, PortError> {
        self.0.status_history(id).await
    }

    async fn redrive_stuck(
        &self,
        cutoff: OffsetDateTime,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Redrive, PortError> {
        self.0.redrive_stuck(cutoff, now, limit).await
    }

    async fn prune(&self, cutoffs: PruneCutoffs) -> Result<Pruned, PortError> {
        self.0.prune(cutoffs).await
    }

    async fn database_time(&self) -> Result<OffsetDateTime, PortError> {
        self.0.database_time().await
    }

    async fn outbox_backlog(&self) -> Result<OutboxBacklog, PortError> {
        self.0.outbox_backlog().await
    }

    async fn ping(&self) -> Result<(), PortError> {
        self.0.ping().await
    }
}

/// A [`DeliveryStore`] whose assignments are spans.
pub struct TracedDeliveryStore(pub Arc<dyn DeliveryStore>);

#[async_trait]
impl DeliveryStore for TracedDeliveryStore {
    async fn assign(&self, assignment: DeliveryAssignment) -> Result<AssignOutcome, PortError> {
        let mut span = within("db assign courier", Kind::Internal, assignment.trace);
        span.attr("saga.order_id", assignment.order_id);
        span.attr("saga.event_id", assignment.payment_event_id);
        let result = self.0.assign(assignment).await;
        finish(span, &result, |outcome| format!("{outcome:?}"));
        result
    }

    async fn ping(&self) -> Result<(), PortError> {
        self.0.ping().await
    }
}
