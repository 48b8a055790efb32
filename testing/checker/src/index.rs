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

pub(super) struct Index<'a> {
    pub orders: BTreeMap<OrderId, &'a Order>,
    /// ORDER_CREATED outbox rows, per order.
    pub outbox: BTreeMap<OrderId, Vec<&'a OutboxRow>>,
    /// ORDER_CREATED event ids seen on `orders`, per order.
    pub created: BTreeMap<OrderId, Vec<(EventId, &'a TopicRecord)>>,
    pub payments: BTreeMap<OrderId, Vec<PaymentEvent<'a>>>,
    pub decisions: BTreeMap<EventId, PaymentDecision>,
    pub deliveries: BTreeMap<OrderId, Vec<&'a DeliveryAssignment>>,
    pub processed: BTreeSet<EventId>,
    pub dlq: Vec<(&'a TopicRecord, Result<Envelope, DecodeError>)>,
    /// Valid events some consumer group dead-lettered: (group, event id).
    pub rejected: BTreeSet<(String, EventId)>,
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
            rejected: BTreeSet::new(),
        };
        for row in s.store.outbox.iter().filter(|r| r.order_created) {
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
                if let Ok(original) = decode(&rejection.original.bytes) {
                    let group = rejection.rejected_by.group.clone();
                    self.rejected.insert((group, original.event_id));
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

    /// Whether the order-status worker dead-lettered this payment event.
    pub fn rejected_by_status(&self, event: EventId) -> bool {
        self.rejected
            .contains(&(saga_core::topic::STATUS_GROUP.to_owned(), event))
    }

    /// The stored payment decision for an order's source event.
    pub fn decision(&self, order: OrderId) -> Option<PaymentDecision> {
        self.source_event(order)
            .and_then(|e| self.decisions.get(&e).copied())
    }
}
