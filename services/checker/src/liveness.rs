//! Properties judged once faults are healed and the system has quiesced: liveness, and (from
//! `dead_letters`) what consumer groups committed against what they did.

use saga_core::snapshot::{Lost, SystemSnapshot};
use saga_core::topic::CONSUMER_GROUPS;
use saga_core::{OrderId, OrderStatus};

use crate::index::Index;
use crate::{Property, Violation};

pub(super) fn check(s: &SystemSnapshot, index: &Index<'_>) -> Vec<Violation> {
    let mut found = Vec::new();
    for order in &s.store.orders {
        let quarantined = s.interference.quarantined.contains(&order.id);
        if !order.status.is_terminal() && !quarantined {
            found.push(Violation::new(
                Property::OrderTerminal,
                Some(order.id),
                format!("still {} after quiescence", order.status),
            ));
        }
        let delivered = index.deliveries.contains_key(&order.id);
        if order.status == OrderStatus::Completed
            && !delivered
            && !completion_may_be_lost(s, index, order.id)
        {
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
    consumer_lag(s, &mut found);
    crate::dead_letters::check(s, index, &mut found);
    found
}

/// Whether the bus may have lost the order's ORDER_COMPLETED before the delivery worker read
/// it, or let the delivery worker skip it (then nothing is left to assign a delivery from).
fn completion_may_be_lost(s: &SystemSnapshot, index: &Index<'_>, order: OrderId) -> bool {
    let interference = &s.interference;
    match &interference.lost_events {
        Lost::Unknown => true,
        Lost::These(ids) if ids.is_empty() => false,
        Lost::These(_) => index.completed.get(&order).is_none_or(|records| {
            records
                .iter()
                .any(|r| interference.offset_reused(r.topic, r.partition, r.offset))
        }),
    }
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
