//! Lookups over a snapshot, built once per check: decoded topic records and per-order views.

use std::collections::{BTreeMap, BTreeSet};

use saga_core::event::{DecodeError, Envelope, EventBody, decode};
use saga_core::ports::DeliveryAssignment;
use saga_core::snapshot::{OutboxRow, SystemSnapshot, TopicRecord};
use saga_core::topic::Topic;
use saga_core::{EventId, Order, OrderId, PaymentDecision};

/// A payment event found on the `payments` topic.
pub(super) struct PaymentEvent<'a> {
    pub event_id: EventId,
    pub decision: PaymentDecision,
    pub causation_id: Option<EventId>,
    pub record: &'a TopicRecord,
}

/// Why a payment event cannot be applied, if it cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unfit {
    UnknownOrder,
    /// Its causation is not the order's ORDER_CREATED.
    ForeignCausation,
    /// Its outcome is not the one the terminal order took.
    Contradicts,
}

impl Unfit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownOrder => "is for an unknown order",
            Self::ForeignCausation => "is not caused by the order's ORDER_CREATED",
            Self::Contradicts => "contradicts the outcome the order took",
        }
    }
}

pub(super) struct Index<'a> {
    pub orders: BTreeMap<OrderId, &'a Order>,
    pub outbox: BTreeMap<OrderId, Vec<&'a OutboxRow>>,
    /// ORDER_CREATED event ids seen on `orders`, per order.
    pub created: BTreeMap<OrderId, Vec<(EventId, &'a TopicRecord)>>,
    pub payments: BTreeMap<OrderId, Vec<PaymentEvent<'a>>>,
    pub decisions: BTreeMap<EventId, PaymentDecision>,
    pub deliveries: BTreeMap<OrderId, Vec<&'a DeliveryAssignment>>,
    pub processed: BTreeSet<EventId>,
    pub dlq: Vec<(&'a TopicRecord, Result<Envelope, DecodeError>)>,
    /// Payment events by event id: (order, decision, causation).
    pub payment_by_id: BTreeMap<EventId, (OrderId, PaymentDecision, Option<EventId>)>,
    /// How many rejections name each source record (topic, partition, offset).
    pub rejected: BTreeMap<(Topic, u32, u64), usize>,
}

impl<'a> Index<'a> {
    pub fn build(s: &'a SystemSnapshot) -> Self {
        let mut index = Index {
            orders: s.store.orders.iter().map(|o| (o.id, o)).collect(),
            outbox: BTreeMap::new(),
            created: BTreeMap::new(),
            payments: BTreeMap::new(),
            decisions: s.decisions.iter().copied().collect(),
            deliveries: BTreeMap::new(),
            processed: s.store.processed_events.iter().copied().collect(),
            dlq: Vec::new(),
            payment_by_id: BTreeMap::new(),
            rejected: BTreeMap::new(),
        };
        for row in &s.store.outbox {
            if let Some(order) = row.order_id {
                index.outbox.entry(order).or_default().push(row);
            }
        }
        for delivery in &s.deliveries {
            index
                .deliveries
                .entry(delivery.order_id)
                .or_default()
                .push(delivery);
        }
        for record in &s.bus.records {
            index.add_record(record);
        }
        index
    }

    fn add_record(&mut self, record: &'a TopicRecord) {
        if matches!(record.topic, Topic::OrdersDlq | Topic::PaymentsDlq) {
            let decoded = decode(&record.payload);
            if let Ok(Envelope {
                body: EventBody::EventRejected(rejection),
                ..
            }) = &decoded
            {
                if let Some(at) = &rejection.source {
                    *self
                        .rejected
                        .entry((at.topic, at.partition, at.offset))
                        .or_default() += 1;
                }
            }
            self.dlq.push((record, decoded));
            return;
        }
        // Undecodable records on the main topics are the consumers' business (they go to a
        // DLQ); the checker only follows the saga's own events.
        let Ok(envelope) = decode(&record.payload) else {
            return;
        };
        match envelope.body {
            EventBody::OrderCreated { order_id, .. } if record.topic == Topic::Orders => {
                self.created
                    .entry(order_id)
                    .or_default()
                    .push((envelope.event_id, record));
            }
            EventBody::Payment { order_id, decision } if record.topic == Topic::Payments => {
                self.payment_by_id.insert(
                    envelope.event_id,
                    (order_id, decision, envelope.causation_id),
                );
                self.payments
                    .entry(order_id)
                    .or_default()
                    .push(PaymentEvent {
                        event_id: envelope.event_id,
                        decision,
                        causation_id: envelope.causation_id,
                        record,
                    });
            }
            _ => {}
        }
    }

    /// The ORDER_CREATED event id of an order: its outbox row's, else the first seen on Kafka.
    pub fn source_event(&self, order: OrderId) -> Option<EventId> {
        self.outbox
            .get(&order)
            .and_then(|rows| rows.first())
            .map(|row| row.event_id)
            .or_else(|| {
                self.created
                    .get(&order)
                    .and_then(|c| c.first())
                    .map(|(id, _)| *id)
            })
    }

    /// The stored payment decision for an order's source event.
    pub fn decision(&self, order: OrderId) -> Option<PaymentDecision> {
        self.source_event(order)
            .and_then(|e| self.decisions.get(&e).copied())
    }
}

impl Index<'_> {
    /// Why a payment event for `order` with this causation and outcome cannot be applied.
    pub fn unfit(
        &self,
        order: OrderId,
        causation: Option<EventId>,
        decision: PaymentDecision,
    ) -> Option<Unfit> {
        let Some(o) = self.orders.get(&order) else {
            return Some(Unfit::UnknownOrder);
        };
        if causation.is_none() || causation != self.source_event(order) {
            return Some(Unfit::ForeignCausation);
        }
        if o.status.is_terminal() && decision.terminal_status() != o.status {
            return Some(Unfit::Contradicts);
        }
        None
    }

    /// Whether some rejection names this source record.
    pub fn dead_lettered(&self, record: &TopicRecord) -> bool {
        self.rejected
            .contains_key(&(record.topic, record.partition, record.offset))
    }
}
