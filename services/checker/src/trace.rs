//! Trace continuity: every record of an order — ORDER_CREATED, PAYMENT_*, ORDER_COMPLETED, a
//! DLQ rejection of any of them, each redelivered, re-driven or replayed copy — and the
//! order's courier row carry the trace id its HTTP request started, so one trace shows the
//! whole journey. Judged for orders whose client knows the trace it started; what a harness
//! forged is not the saga's to trace.

use std::collections::BTreeMap;

use saga_core::domain::TraceId;
use saga_core::event::{Envelope, EventBody, decode};
use saga_core::snapshot::{SystemSnapshot, TopicRecord};
use saga_core::{EventId, OrderId};

use crate::index::Index;
use crate::{Property, Violation};

pub(super) fn check(s: &SystemSnapshot, index: &Index<'_>, found: &mut Vec<Violation>) {
    let started: BTreeMap<OrderId, TraceId> = s
        .acknowledged
        .iter()
        .filter_map(|ack| Some((ack.order_id, ack.trace?)))
        .collect();
    let mut broken = BTreeMap::new();
    for (record, envelope) in s.bus.records.iter().zip(&index.envelopes) {
        let Some((order, event)) = about(record, envelope.as_ref()) else {
            continue;
        };
        if s.interference.forged.contains(&event) {
            continue;
        }
        let carried = record.trace.map(|t| t.trace_id());
        let place = format!(
            "record {}/{}@{} (event {event})",
            record.topic, record.partition, record.offset
        );
        judge(&started, order, carried, place, &mut broken);
    }
    for delivery in &s.deliveries {
        let carried = delivery.trace.map(|t| t.trace_id());
        let place = "the delivery row".to_owned();
        judge(&started, delivery.order_id, carried, place, &mut broken);
    }
    found.extend(broken.into_values());
}

/// The order and event a record is about: its own, or for a DLQ rejection the original's.
fn about(record: &TopicRecord, envelope: Option<&Envelope>) -> Option<(OrderId, EventId)> {
    if let Some(envelope) = envelope {
        return Some((envelope.order_id()?, envelope.event_id));
    }
    let EventBody::EventRejected(rejection) = decode(&record.payload).ok()?.body else {
        return None;
    };
    let original = decode(&rejection.original.bytes).ok()?;
    Some((original.order_id()?, original.event_id))
}

/// The first place of each order that carries another trace (or none).
fn judge(
    started: &BTreeMap<OrderId, TraceId>,
    order: OrderId,
    carried: Option<TraceId>,
    place: String,
    broken: &mut BTreeMap<OrderId, Violation>,
) {
    let Some(expected) = started.get(&order) else {
        return;
    };
    if carried == Some(*expected) || broken.contains_key(&order) {
        return;
    }
    let carried = carried.map_or_else(|| "no trace".to_owned(), |t| format!("trace {t}"));
    let detail = format!("{place} carries {carried}; the order's request started trace {expected}");
    broken.insert(
        order,
        Violation::new(Property::TraceContinuity, Some(order), detail),
    );
}
