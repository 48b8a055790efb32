//! One order's data made unprocessable for good, and which orders qualify.

use saga_core::snapshot::OrderStoreSnapshot;
use saga_core::{EventId, OrderId, OrderStatus};
use serde::{Deserialize, Serialize};

/// Which handling the harness makes fail permanently, for one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unprocessable {
    /// The decision store holds a value that is not a decision under the order's source
    /// event: the payment worker's `decide` fails with a permanent error on every attempt.
    Decision,
    /// PostgreSQL refuses the order's payment application (a constraint violation): the
    /// status worker's `apply_payment` fails permanently.
    Payment,
}

/// The orders `what` may be played on, newest first, each with its ORDER_CREATED event id:
/// for a corrupt decision every order with a known source (the harness takes the first whose
/// decision is not stored yet, which only it can tell), for a refused payment the PENDING ones.
pub fn candidates(
    store: &OrderStoreSnapshot,
    what: Unprocessable,
) -> impl Iterator<Item = (OrderId, EventId)> + '_ {
    store.orders.iter().rev().filter_map(move |o| {
        let source = store.created_events.get(&o.id).copied()?;
        let open = match what {
            Unprocessable::Decision => true,
            Unprocessable::Payment => o.status == OrderStatus::Pending,
        };
        open.then_some((o.id, source))
    })
}

#[cfg(test)]
mod tests {
    use saga_core::{CorrelationId, Item, Order};
    use time::OffsetDateTime;

    use super::*;

    #[test]
    fn a_refused_payment_takes_pending_orders_and_a_corrupt_decision_any_newest_first() {
        let mut store = OrderStoreSnapshot::default();
        for (i, status) in [OrderStatus::Pending, OrderStatus::Completed]
            .iter()
            .enumerate()
        {
            let id = OrderId::new(i as i64 + 1).unwrap();
            store.orders.push(Order {
                id,
                item: Item::parse("meal").unwrap(),
                status: *status,
                correlation_id: CorrelationId::from_random_bits(1),
                idempotency_key: None,
                owner: None,
                created_at: OffsetDateTime::UNIX_EPOCH,
                updated_at: OffsetDateTime::UNIX_EPOCH,
            });
            store
                .created_events
                .insert(id, EventId::from_random_bits(i as u128));
        }
        let ids = |what| -> Vec<i64> { candidates(&store, what).map(|(o, _)| o.get()).collect() };
        assert_eq!(ids(Unprocessable::Payment), [1]);
        assert_eq!(ids(Unprocessable::Decision), [2, 1]);
    }
}
