//! Lookups over a snapshot, built once per check: decoded topic records and per-order views.

use std::collections::{BTreeMap, BTreeSet};

use saga_core::event::{DecodeError, Envelope, EventBody, Rejection, decode};
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

/// One record of a DLQ topic, or one row of the dead-letter table.
pub(super) struct DlqEntry {
    /// Where it is, for messages: `orders.dlq/0@3` or `dead_letters#2`.
    pub place: String,
    /// The DLQ topic it is on, or (for the table) the one it was meant for.
    pub topic: Topic,
    pub decoded: Result<Envelope, DecodeError>,
}

pub(super) struct Index<'a> {
    pub orders: BTreeMap<OrderId, &'a Order>,
    /// `orders.created_event_id`, where the store knows it.
    pub created_events: &'a BTreeMap<OrderId, EventId>,
    /// ORDER_CREATED outbox rows, per order.
    pub outbox: BTreeMap<OrderId, Vec<&'a OutboxRow>>,
    /// ORDER_CREATED event ids seen on `orders`, per order.
    pub created: BTreeMap<OrderId, Vec<(EventId, &'a TopicRecord)>>,
    pub payments: BTreeMap<OrderId, Vec<PaymentEvent<'a>>>,
    /// ORDER_COMPLETED records seen on `orders`, per order.
    pub completed: BTreeMap<OrderId, Vec<&'a TopicRecord>>,
    pub decisions: BTreeMap<EventId, PaymentDecision>,
    pub deliveries: BTreeMap<OrderId, Vec<&'a DeliveryAssignment>>,
    pub processed: BTreeSet<EventId>,
    /// Every rejection: the DLQ topics' records, then the dead-letter table's.
    pub dlq: Vec<DlqEntry>,
    /// Payment events by event id: (order, decision, causation).
    pub payment_by_id: BTreeMap<EventId, (OrderId, PaymentDecision, Option<EventId>)>,
    /// How many rejections each group wrote naming each source record (group, topic,
    /// partition, offset), on a DLQ topic or in the dead-letter table.
    pub rejected: BTreeMap<(String, Topic, u32, u64), usize>,
    /// Events some consumer group dead-lettered: (group, event id).
    pub rejected_events: BTreeSet<(String, EventId)>,
    /// The envelope of each record of `s.bus.records`, by position: `None` on the DLQ topics
    /// and where it does not decode. Decoded once here; the dead-letter checks walk the
    /// records once per consumer group, and decoding is most of the checker's time.
    pub envelopes: Vec<Option<Envelope>>,
}

impl<'a> Index<'a> {
    pub fn build(s: &'a SystemSnapshot) -> Self {
        let mut index = Index {
            orders: s.store.orders.iter().map(|o| (o.id, o)).collect(),
            created_events: &s.store.created_events,
            outbox: BTreeMap::new(),
            created: BTreeMap::new(),
            payments: BTreeMap::new(),
            completed: BTreeMap::new(),
            decisions: s.decisions.iter().copied().collect(),
            deliveries: BTreeMap::new(),
            processed: (s.store.processed_events.iter())
                .chain(&s.interference.pruned_processed)
                .copied()
                .collect(),
            dlq: Vec::new(),
            payment_by_id: BTreeMap::new(),
            rejected: BTreeMap::new(),
            rejected_events: BTreeSet::new(),
            envelopes: Vec::with_capacity(s.bus.records.len()),
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
            let envelope = index.add_record(record);
            index.envelopes.push(envelope);
        }
        for (n, letter) in s.dead_letters.iter().enumerate() {
            let topic = match &letter.body {
                EventBody::EventRejected(rejection) => {
                    index.add_rejection(rejection);
                    rejection.source.topic.dlq()
                }
                _ => Topic::OrdersDlq,
            };
            index.dlq.push(DlqEntry {
                place: format!("dead_letters#{n}"),
                topic,
                decoded: Ok(letter.clone()),
            });
        }
        index
    }

    /// Notes who rejected which source record (and which event, when it decodes).
    fn add_rejection(&mut self, rejection: &Rejection) {
        let group = rejection.rejected_by.group.clone();
        let at = &rejection.source;
        *self
            .rejected
            .entry((group.clone(), at.topic, at.partition, at.offset))
            .or_default() += 1;
        if let Ok(original) = decode(&rejection.original.bytes) {
            self.rejected_events.insert((group, original.event_id));
        }
    }

    /// Indexes one record; its envelope, if it is on a main topic and decodes.
    fn add_record(&mut self, record: &'a TopicRecord) -> Option<Envelope> {
        if matches!(record.topic, Topic::OrdersDlq | Topic::PaymentsDlq) {
            let decoded = decode(&record.payload);
            if let Ok(Envelope {
                body: EventBody::EventRejected(rejection),
                ..
            }) = &decoded
            {
                self.add_rejection(rejection);
            }
            self.dlq.push(DlqEntry {
                place: format!("{}/{}@{}", record.topic, record.partition, record.offset),
                topic: record.topic,
                decoded,
            });
            return None;
        }
        // Undecodable records on the main topics are the consumers' business (they go to a
        // DLQ); the checker only follows the saga's own events.
        let Ok(envelope) = decode(&record.payload) else {
            return None;
        };
        match envelope.body {
            EventBody::OrderCreated { order_id, .. } if record.topic == Topic::Orders => {
                self.created
                    .entry(order_id)
                    .or_default()
                    .push((envelope.event_id, record));
            }
            EventBody::OrderCompleted { order_id } if record.topic == Topic::Orders => {
                self.completed.entry(order_id).or_default().push(record);
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
        Some(envelope)
    }

    /// The ORDER_CREATED event id of an order: the order row's, else its outbox row's, else
    /// the first seen on Kafka.
    pub fn source_event(&self, order: OrderId) -> Option<EventId> {
        if let Some(created) = self.created_events.get(&order) {
            return Some(*created);
        }
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
        self.rejected_events
            .contains(&(saga_core::topic::STATUS_GROUP.to_owned(), event))
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

    /// Whether `group` dead-lettered this source record (on a DLQ topic or in the table).
    pub fn dead_lettered(&self, group: &str, record: &TopicRecord) -> bool {
        let at = (
            group.to_owned(),
            record.topic,
            record.partition,
            record.offset,
        );
        self.rejected.contains_key(&at)
    }
}
