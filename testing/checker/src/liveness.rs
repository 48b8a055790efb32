//! Liveness properties: must hold once faults are healed and the system has quiesced.

use crate::index::Index;
use crate::{Property, Violation};
use saga_core::OrderStatus;
use saga_core::snapshot::SystemSnapshot;
use saga_core::topic::CONSUMER_GROUPS;

pub(super) fn check(s: &SystemSnapshot, index: &Index<'_>) -> Vec<Violation> {
    let mut found = Vec::new();
    for order in &s.store.orders {
        if !order.status.is_terminal() {
            found.push(Violation::new(
                Property::OrderTerminal,
                Some(order.id),
                format!("still {} after quiescence", order.status),
            ));
        }
        let delivered = index.deliveries.contains_key(&order.id);
        if order.status == OrderStatus::Completed && !delivered {
            found.push(Violation::new(
                Property::CompletedOrderDelivered,
                Some(order.id),
                "COMPLETED but no delivery assigned".into(),
            ));
        }
        if order.status != OrderStatus::Completed && delivered {
            found.push(Violation::new(
                Property::CompletedOrderDelivered,
                Some(order.id),
                format!("delivery assigned but the order is {}", order.status),
            ));
        }
    }
    for row in s.store.outbox.iter().filter(|r| !r.published) {
        found.push(Violation::new(
            Property::OutboxDrained,
            row.order_id,
            format!("outbox event {} is still unpublished", row.event_id),
        ));
    }
    for (order, events) in &index.payments {
        // Applied (recorded) or dead-lettered by the order-status worker: never dropped.
        for event in events.iter().filter(|e| {
            !index.processed.contains(&e.event_id) && !index.rejected_by_status(e.event_id)
        }) {
            found.push(Violation::new(
                Property::PaymentEventProcessed,
                Some(*order),
                format!(
                    "payment event {} was neither applied nor dead-lettered",
                    event.event_id
                ),
            ));
        }
    }
    consumer_lag(s, &mut found);
    found
}

fn consumer_lag(s: &SystemSnapshot, found: &mut Vec<Violation>) {
    for (group, topic) in CONSUMER_GROUPS {
        let committed = s
            .bus
            .groups
            .iter()
            .find(|g| g.group == group)
            .map(|g| &g.committed);
        for ((t, partition), end) in &s.bus.end_offsets {
            if *t != topic {
                continue;
            }
            let at = committed
                .and_then(|c| c.get(&(topic, *partition)).copied())
                .unwrap_or(0);
            if at < *end {
                found.push(Violation::new(
                    Property::NoConsumerLag,
                    None,
                    format!(
                        "group {group} is {} behind on {topic}/{partition}",
                        end - at
                    ),
                ));
            }
        }
    }
}
