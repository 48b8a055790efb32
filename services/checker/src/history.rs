//! One order's story across services, for violation reports.

use crate::index::Index;
use saga_core::OrderId;
use saga_core::event::format_timestamp;
use saga_core::snapshot::SystemSnapshot;

pub(super) fn of(order: OrderId, s: &SystemSnapshot, index: &Index<'_>) -> Vec<String> {
    let mut lines = Vec::new();
    match index.orders.get(&order) {
        Some(o) => lines.push(format!(
            "order-api: order {} item={:?} status={} correlation={} key={:?} created={} updated={}",
            o.id,
            o.item.as_str(),
            o.status,
            o.correlation_id,
            o.idempotency_key.as_ref().map(|k| k.as_str()),
            format_timestamp(o.created_at),
            format_timestamp(o.updated_at),
        )),
        None => lines.push(format!("order-api: no order {order} in the store")),
    }
    if s.acknowledged.iter().any(|a| a.order_id == order) {
        lines.push("client: acknowledged with 202".into());
    }
    for row in index.outbox.get(&order).into_iter().flatten() {
        lines.push(format!(
            "outbox: event {} published={}",
            row.event_id, row.published
        ));
    }
    for (event, record) in index.created.get(&order).into_iter().flatten() {
        lines.push(format!(
            "kafka {}/{}@{}: ORDER_CREATED {event}",
            record.topic, record.partition, record.offset
        ));
    }
    if let Some(source) = index.source_event(order) {
        match index.decisions.get(&source) {
            Some(d) => lines.push(format!("decision-store: {source} -> {}", d.as_str())),
            None => lines.push(format!("decision-store: no decision for {source}")),
        }
    }
    for p in index.payments.get(&order).into_iter().flatten() {
        lines.push(format!(
            "kafka {}/{}@{}: PAYMENT_{} {} caused by {} processed={}",
            p.record.topic,
            p.record.partition,
            p.record.offset,
            p.decision.as_str(),
            p.event_id,
            p.causation_id
                .map_or_else(|| "-".to_owned(), |c| c.to_string()),
            index.processed.contains(&p.event_id),
        ));
    }
    for change in s
        .store
        .status_changes
        .iter()
        .filter(|c| c.order_id == order)
    {
        lines.push(format!(
            "order-status: {} -> {} by {}",
            change.from, change.to, change.event_id
        ));
    }
    for d in index.deliveries.get(&order).into_iter().flatten() {
        lines.push(format!("delivery: assigned after {}", d.payment_event_id));
    }
    lines
}
