//! Following the stores forward: each pass reads what the couriers table, the status history
//! and the orders table gained since the last one, a page at a time. Couriers are read first,
//! then the history, then the orders: a courier's COMPLETED committed before it, so it is in the
//! history read after it, and every change's order in the orders read after that. The judge
//! gets them the other way round, orders first. A pass reads at most [`PASS_PAGES`] pages of
//! each table, so a long history is judged a slice at a time in bounded memory; a status change
//! or a courier read before its order waits for it in the judge.

/// Pages of each table one pass reads at most.
pub const PASS_PAGES: usize = 20;

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex};

use saga_checker::online::Fact;
use saga_core::ports::{AuditFeed, PortError};

use crate::AuditorConfig;
use crate::judge::Judge;
use crate::latency::{self, Latency};

/// A table's position: the highest id read, and which ids of the trailing window were read
/// (a row that committed after higher ids were read appears there later).
#[derive(Debug, Default)]
pub struct Cursor {
    after: i64,
    seen: BTreeSet<i64>,
}

impl Cursor {
    /// Where the next read starts.
    fn start(&self, window: i64) -> i64 {
        (self.after - window).max(0)
    }

    /// Whether row `id` is new; remembers it.
    fn fresh(&mut self, id: i64, window: i64) -> bool {
        if id <= self.after - window {
            return false;
        }
        let new = self.seen.insert(id);
        self.after = self.after.max(id);
        let floor = self.after - window;
        while self.seen.first().is_some_and(|first| *first <= floor) {
            self.seen.pop_first();
        }
        new
    }
}

/// Where each table was read to.
#[derive(Debug, Default)]
pub struct Cursors {
    orders: Cursor,
    changes: Cursor,
    deliveries: Cursor,
    /// What the rows read so far say about place→terminal latency.
    latency: Latency,
}

/// Every row of one table not read yet, page after page.
async fn unread<T, F, Fut>(
    cursor: &mut Cursor,
    config: &AuditorConfig,
    read: F,
) -> Result<(Vec<T>, bool), PortError>
where
    F: Fn(i64, usize) -> Fut,
    Fut: Future<Output = Result<Vec<(i64, T)>, PortError>>,
{
    let mut fresh = Vec::new();
    let mut from = cursor.start(config.window);
    for _ in 0..PASS_PAGES {
        let page = read(from, config.page).await?;
        let full = page.len() == config.page;
        for (id, row) in page {
            from = id;
            if cursor.fresh(id, config.window) {
                fresh.push(row);
            }
        }
        if !full {
            return Ok((fresh, false));
        }
    }
    Ok((fresh, true))
}

/// One pass: what the stores gained, judged; and whether a table has more to read at once.
///
/// # Errors
/// The store's error; the cursors keep what was read before it.
pub async fn pass(
    feed: &dyn AuditFeed,
    cursors: &mut Cursors,
    judge: &Arc<Mutex<Judge>>,
    config: &AuditorConfig,
) -> Result<(usize, bool), PortError> {
    let (deliveries, more_deliveries) = unread(&mut cursors.deliveries, config, |after, limit| {
        feed.deliveries_after(after, limit)
    })
    .await?;
    let (changes, more_changes) = unread(&mut cursors.changes, config, |after, limit| {
        feed.status_changes_after(after, limit)
    })
    .await?;
    let (orders, more_orders) = unread(&mut cursors.orders, config, |after, limit| {
        feed.orders_after(after, limit)
    })
    .await?;
    let read = deliveries.len() + changes.len() + orders.len();
    let mut judge = judge.lock().expect("judge lock poisoned");
    for order in orders {
        latency::record(cursors.latency.created(order.order_id, order.created_at));
        // An order stored before its ORDER_CREATED id was kept cannot be tied to its events.
        if let Some(source) = order.created_event {
            let created = Fact::OrderCreated {
                order: order.order_id,
                key: None,
                source,
            };
            let started = order.trace.map(|t| Fact::TraceStarted {
                order: order.order_id,
                trace: t.trace_id(),
            });
            judge.observe(None, std::iter::once(created).chain(started).collect());
        }
    }
    for change in changes {
        if change.to.is_terminal() {
            latency::record(cursors.latency.terminal(change.order_id, change.at));
        }
        let fact = Fact::StatusChanged {
            order: change.order_id,
            from: change.from,
            to: change.to,
            event: change.event_id,
        };
        judge.observe(Some(change.order_id), vec![fact]);
    }
    for delivery in deliveries {
        let assigned = Fact::DeliveryAssigned {
            order: delivery.order_id,
        };
        let traced = Fact::Traced {
            order: delivery.order_id,
            event: None,
            what: "the delivery row",
            trace: delivery.trace.map(|t| t.trace_id()),
        };
        judge.observe(Some(delivery.order_id), vec![assigned, traced]);
    }
    Ok((read, more_deliveries || more_changes || more_orders))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_that_commits_late_inside_the_window_is_read_once() {
        let mut cursor = Cursor::default();
        for id in [1, 2, 4, 5] {
            assert!(cursor.fresh(id, 3));
        }
        assert_eq!(cursor.start(3), 2);
        assert!(cursor.fresh(3, 3), "committed after 4 and 5 were read");
        assert!(!cursor.fresh(4, 3), "read before");
        assert!(!cursor.fresh(1, 3), "below the window: taken as read");
    }
}
