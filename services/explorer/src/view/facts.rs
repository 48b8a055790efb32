//! What one snapshot says, arranged by order: the explorer decodes every record once per
//! snapshot read and every page is a lookup in these maps.

use std::collections::{BTreeMap, BTreeSet};

use saga_checker::{Scope, Violation};
use saga_core::event::{Envelope, decode};
use saga_core::ports::DeliveryAssignment;
use saga_core::snapshot::{OutboxRow, StatusChange, SystemSnapshot, TopicRecord};
use saga_core::{EventBody, EventId, Order, OrderId, PaymentDecision, Topic};
use time::OffsetDateTime;

/// A decoded saga event and where it sits on its topic.
#[derive(Debug, Clone)]
pub struct Carried {
    pub topic: Topic,
    pub partition: u32,
    pub offset: u64,
    /// When the broker took it, if the bus keeps record times.
    pub timestamp: Option<OffsetDateTime>,
    pub envelope: Envelope,
}

impl Carried {
    fn of(record: &TopicRecord, envelope: Envelope) -> Self {
        Self {
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
            timestamp: record.timestamp,
            envelope,
        }
    }

    /// `orders/1@17`: topic, partition and offset.
    pub fn position(&self) -> String {
        format!("{}/{}@{}", self.topic, self.partition, self.offset)
    }
}

/// Everything one snapshot holds, by order.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// When the snapshot was read.
    pub read_at: Option<OffsetDateTime>,
    pub orders: BTreeMap<OrderId, Order>,
    pub outbox: BTreeMap<OrderId, Vec<OutboxRow>>,
    /// Every copy of each order's ORDER_CREATED on `orders`, in topic order.
    pub created: BTreeMap<OrderId, Vec<Carried>>,
    /// Every payment event about each order on `payments`, in topic order.
    pub payments: BTreeMap<OrderId, Vec<Carried>>,
    /// Every copy of each order's ORDER_COMPLETED on `orders` (what the delivery worker reads).
    pub completed: BTreeMap<OrderId, Vec<Carried>>,
    pub decisions: BTreeMap<EventId, PaymentDecision>,
    pub deliveries: BTreeMap<OrderId, Vec<DeliveryAssignment>>,
    pub processed: BTreeSet<EventId>,
    /// The store's status history, when it keeps one.
    pub changes: Option<BTreeMap<OrderId, Vec<StatusChange>>>,
    /// Each group's committed offset (next to read) per partition.
    pub committed: BTreeMap<String, BTreeMap<(Topic, u32), u64>>,
    pub end_offsets: BTreeMap<(Topic, u32), u64>,
    /// Records on the main topics that are not saga events (they belong in a DLQ).
    pub undecodable: usize,
    /// Records on the DLQ topics.
    pub dead_letters: Vec<TopicRecord>,
    /// Safety violations the checker finds, by order; `None` key for system-wide ones.
    pub violations: BTreeMap<Option<OrderId>, Vec<Violation>>,
}

impl Facts {
    /// Arranges `snapshot` (read at `read_at`) and judges its safety with the checker.
    pub fn build(snapshot: &SystemSnapshot, read_at: OffsetDateTime) -> Self {
        let mut facts = Facts {
            read_at: Some(read_at),
            orders: snapshot
                .store
                .orders
                .iter()
                .map(|o| (o.id, o.clone()))
                .collect(),
            decisions: snapshot.decisions.iter().copied().collect(),
            processed: snapshot.store.processed_events.iter().copied().collect(),
            end_offsets: snapshot.bus.end_offsets.clone(),
            ..Facts::default()
        };
        for row in &snapshot.store.outbox {
            if let Some(order) = row.order_id {
                facts.outbox.entry(order).or_default().push(row.clone());
            }
        }
        for delivery in &snapshot.deliveries {
            let list = facts.deliveries.entry(delivery.order_id).or_default();
            list.push(delivery.clone());
        }
        let mut by_order: BTreeMap<OrderId, Vec<StatusChange>> = BTreeMap::new();
        for change in &snapshot.store.status_changes {
            by_order
                .entry(change.order_id)
                .or_default()
                .push(change.clone());
        }
        facts.changes = Some(by_order);
        for group in &snapshot.bus.groups {
            facts
                .committed
                .insert(group.group.clone(), group.committed.clone());
        }
        for record in &snapshot.bus.records {
            facts.add_record(record);
        }
        for violation in saga_checker::check(snapshot, Scope::Safety) {
            let list = facts.violations.entry(violation.order_id).or_default();
            list.push(violation);
        }
        facts
    }

    fn add_record(&mut self, record: &TopicRecord) {
        if matches!(record.topic, Topic::OrdersDlq | Topic::PaymentsDlq) {
            self.dead_letters.push(record.clone());
            return;
        }
        let Ok(envelope) = decode(&record.payload) else {
            self.undecodable += 1;
            return;
        };
        match &envelope.body {
            EventBody::OrderCreated { order_id, .. } if record.topic == Topic::Orders => {
                let id = *order_id;
                self.created
                    .entry(id)
                    .or_default()
                    .push(Carried::of(record, envelope));
            }
            EventBody::Payment { order_id, .. } if record.topic == Topic::Payments => {
                let id = *order_id;
                self.payments
                    .entry(id)
                    .or_default()
                    .push(Carried::of(record, envelope));
            }
            EventBody::OrderCompleted { order_id } if record.topic == Topic::Orders => {
                let id = *order_id;
                self.completed
                    .entry(id)
                    .or_default()
                    .push(Carried::of(record, envelope));
            }
            _ => self.undecodable += 1,
        }
    }

    /// The ORDER_CREATED event id of an order: its outbox row's, else the first on Kafka.
    pub fn source_event(&self, order: OrderId) -> Option<EventId> {
        let rows = self.outbox.get(&order).into_iter().flatten();
        let outbox = rows.into_iter().find(|row| row.order_created);
        outbox.map(|row| row.event_id).or_else(|| {
            let created = self.created.get(&order).and_then(|c| c.first());
            created.map(|c| c.envelope.event_id)
        })
    }

    /// Whether `group` has committed past this record.
    pub fn consumed_by(&self, group: &str, carried: &Carried) -> bool {
        self.committed
            .get(group)
            .and_then(|offsets| offsets.get(&(carried.topic, carried.partition)))
            .is_some_and(|next| *next > carried.offset)
    }

    /// Records on `topic` that `group` has not committed yet.
    pub fn lag(&self, group: &str, topic: Topic) -> u64 {
        let committed = self.committed.get(group);
        self.end_offsets
            .iter()
            .filter(|((t, _), _)| *t == topic)
            .map(|(tp, end)| {
                let at = committed.and_then(|c| c.get(tp)).copied().unwrap_or(0);
                end.saturating_sub(at)
            })
            .sum()
    }

    /// The checker's safety findings about `order`.
    pub fn violations_of(&self, order: OrderId) -> &[Violation] {
        self.violations.get(&Some(order)).map_or(&[], Vec::as_slice)
    }
}
