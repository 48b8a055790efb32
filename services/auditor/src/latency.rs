//! Place→terminal latency, measured from the rows the auditor reads anyway: an order's
//! `created_at` and the time of its terminal status change, recorded once per order in
//! `saga_order_place_to_terminal_seconds`. No component has both times at hand without another
//! read per order; the auditor has them for free.

use std::collections::BTreeMap;

use saga_core::OrderId;
use saga_runtime::metrics::PLACE_TO_TERMINAL;
use time::OffsetDateTime;

/// Orders (or early terminal changes) remembered at most, the oldest dropped first.
const REMEMBERED: usize = 10_000;

/// Creation times of orders not terminal yet, and terminal times of changes read before
/// their order (the feed re-reads a trailing window, so either may come first).
#[derive(Debug, Default)]
pub struct Latency {
    created: BTreeMap<OrderId, OffsetDateTime>,
    terminal: BTreeMap<OrderId, OffsetDateTime>,
}

impl Latency {
    /// An order was read; returns its latency when its terminal change was read before it.
    pub fn created(&mut self, order: OrderId, at: OffsetDateTime) -> Option<f64> {
        meet(&mut self.terminal, &mut self.created, order, at).map(|end| seconds(at, end))
    }

    /// A terminal change was read; returns the order's latency when the order was read.
    pub fn terminal(&mut self, order: OrderId, at: OffsetDateTime) -> Option<f64> {
        meet(&mut self.created, &mut self.terminal, order, at).map(|start| seconds(start, at))
    }
}

/// The other end of `order`'s journey from `other`; without it, `at` waits in `mine`.
fn meet(
    other: &mut BTreeMap<OrderId, OffsetDateTime>,
    mine: &mut BTreeMap<OrderId, OffsetDateTime>,
    order: OrderId,
    at: OffsetDateTime,
) -> Option<OffsetDateTime> {
    let found = other.remove(&order);
    if found.is_none() {
        remember(mine, order, at);
    }
    found
}

fn seconds(start: OffsetDateTime, end: OffsetDateTime) -> f64 {
    (end - start).as_seconds_f64().max(0.0)
}

fn remember(map: &mut BTreeMap<OrderId, OffsetDateTime>, order: OrderId, at: OffsetDateTime) {
    map.insert(order, at);
    while map.len() > REMEMBERED {
        map.pop_first();
    }
}

/// Records a latency found.
pub fn record(latency: Option<f64>) {
    if let Some(seconds) = latency {
        metrics::histogram!(PLACE_TO_TERMINAL).record(seconds);
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn order(n: i64) -> OrderId {
        OrderId::new(n).unwrap()
    }

    #[test]
    fn the_latency_is_found_whichever_row_is_read_first_and_only_once() {
        let mut latency = Latency::default();
        let placed = datetime!(2026-01-01 0:00 UTC);
        let done = datetime!(2026-01-01 0:00:02.5 UTC);
        assert_eq!(latency.created(order(1), placed), None);
        assert_eq!(latency.terminal(order(1), done), Some(2.5));
        assert_eq!(latency.terminal(order(1), done), None, "once per order");
        assert_eq!(latency.terminal(order(2), done), None);
        assert_eq!(latency.created(order(2), placed), Some(2.5));
    }

    #[test]
    fn memory_is_bounded() {
        let mut latency = Latency::default();
        let at = datetime!(2026-01-01 0:00 UTC);
        for n in 1..=(REMEMBERED as i64 + 5) {
            latency.created(order(n), at);
        }
        assert_eq!(latency.created.len(), REMEMBERED);
        assert_eq!(
            latency.terminal(order(1), at),
            None,
            "the oldest was dropped"
        );
    }
}
