//! The order list: filters (status, item text, age, stuck), counts per status, newest first.

use std::collections::BTreeMap;

use saga_core::{Order, OrderId, OrderStatus};
use time::{Duration, OffsetDateTime};

use super::facts::Facts;

/// Rows shown at most; the rest are counted.
pub const PAGE: usize = 200;

/// Which orders to list. Every field narrows the list; the default lists all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// Case-insensitive substring of the item.
    pub item: Option<String>,
    /// Created at most this long ago.
    pub max_age: Option<Duration>,
    /// Only orders PENDING for longer than the stuck threshold.
    pub stuck: bool,
    /// Only this owner's orders, counts included (a client key's view); never from the form.
    pub only_owner: Option<String>,
}

/// A bad filter value, named so the page can say which field to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FilterError {
    pub field: &'static str,
    pub reason: String,
}

impl OrderFilter {
    /// Reads the form fields (`status`, `item`, `max_age` in seconds, `stuck`); empty fields
    /// are unset.
    ///
    /// # Errors
    /// [`FilterError`] naming the first field that does not parse.
    pub fn parse(fields: &BTreeMap<String, String>) -> Result<Self, FilterError> {
        let field = |name: &str| fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let status = field("status")
            .map(|s| {
                s.parse::<OrderStatus>().map_err(|_| FilterError {
                    field: "status",
                    reason: format!("{s:?} is not PENDING, COMPLETED or CANCELLED"),
                })
            })
            .transpose()?;
        let max_age = field("max_age")
            .map(|s| match s.parse::<u32>() {
                Ok(secs) => Ok(Duration::seconds(i64::from(secs))),
                Err(_) => Err(FilterError {
                    field: "max_age",
                    reason: format!("{s:?} is not a whole number of seconds"),
                }),
            })
            .transpose()?;
        let stuck = match field("stuck") {
            None | Some("0" | "false" | "off") => false,
            Some("1" | "true" | "on") => true,
            Some(other) => {
                return Err(FilterError {
                    field: "stuck",
                    reason: format!("{other:?} is neither on nor off"),
                });
            }
        };
        Ok(Self {
            status,
            item: field("item").map(str::to_lowercase),
            max_age,
            stuck,
            only_owner: None,
        })
    }

    fn matches(&self, order: &Order, now: OffsetDateTime, stuck_after: Duration) -> bool {
        let age = now - order.created_at;
        self.status.is_none_or(|s| order.status == s)
            && self
                .item
                .as_ref()
                .is_none_or(|text| order.item.as_str().to_lowercase().contains(text))
            && self.max_age.is_none_or(|max| age <= max)
            && (!self.stuck || is_stuck(order, now, stuck_after))
    }
}

/// PENDING for longer than `stuck_after`.
pub fn is_stuck(order: &Order, now: OffsetDateTime, stuck_after: Duration) -> bool {
    order.status == OrderStatus::Pending && now - order.created_at > stuck_after
}

/// The row of `order` at `now`.
pub fn row(order: &Order, now: OffsetDateTime, stuck_after: Duration, violated: bool) -> OrderRow {
    OrderRow {
        order: order.clone(),
        age: now - order.created_at,
        stuck: is_stuck(order, now, stuck_after),
        violated,
    }
}

/// One row of the list.
#[derive(Debug, Clone)]
pub struct OrderRow {
    pub order: Order,
    pub age: Duration,
    pub stuck: bool,
    /// The checker found a safety violation about this order.
    pub violated: bool,
}

/// The filtered list and the counts over all orders.
#[derive(Debug, Clone, Default)]
pub struct OrderList {
    /// Newest first, at most [`PAGE`].
    pub rows: Vec<OrderRow>,
    /// Where the next page starts (the rows after it are older), when there are more.
    pub next: Option<OrderId>,
    /// How many orders matched the filter.
    pub matched: usize,
    /// Every order by status, whatever the filter.
    pub counts: BTreeMap<OrderStatus, usize>,
    pub stuck: usize,
    pub total: usize,
}

/// Lists the orders of `facts` that match `filter`, the newest [`PAGE`] older than `before`.
pub fn list(
    facts: &Facts,
    filter: &OrderFilter,
    before: Option<OrderId>,
    now: OffsetDateTime,
    stuck_after: Duration,
) -> OrderList {
    let mut counts = BTreeMap::new();
    for status in [
        OrderStatus::Pending,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ] {
        counts.insert(status, 0);
    }
    let mut stuck = 0;
    let mut matched = Vec::new();
    let mut total = 0;
    for order in facts.orders.values() {
        if let Some(owner) = &filter.only_owner {
            if order.owner.as_ref().is_none_or(|o| o.as_str() != owner) {
                continue;
            }
        }
        total += 1;
        *counts.entry(order.status).or_default() += 1;
        stuck += usize::from(is_stuck(order, now, stuck_after));
        if filter.matches(order, now, stuck_after) {
            matched.push(order);
        }
    }
    let mut rows: Vec<OrderRow> = matched
        .iter()
        .rev()
        .filter(|order| before.is_none_or(|b| order.id < b))
        .take(PAGE + 1)
        .map(|order| {
            row(
                order,
                now,
                stuck_after,
                !facts.violations_of(order.id).is_empty(),
            )
        })
        .collect();
    let next = (rows.len() > PAGE).then(|| {
        rows.truncate(PAGE);
        rows.last().map(|r| r.order.id)
    });
    OrderList {
        rows,
        next: next.flatten(),
        matched: matched.len(),
        counts,
        stuck,
        total,
    }
}

#[cfg(test)]
mod tests {
    use saga_core::{CorrelationId, Item};
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-11-25 10:00:00 UTC);

    fn order(id: i64, item: &str, status: OrderStatus, age_secs: i64) -> Order {
        let at = NOW - Duration::seconds(age_secs);
        Order {
            id: OrderId::new(id).unwrap(),
            item: Item::parse(item).unwrap(),
            status,
            correlation_id: CorrelationId::parse("c-1").unwrap(),
            idempotency_key: None,
            owner: None,
            created_at: at,
            updated_at: at,
        }
    }

    fn facts() -> Facts {
        let mut facts = Facts::default();
        for o in [
            order(1, "Standard meal", OrderStatus::Completed, 300),
            order(2, "tea", OrderStatus::Pending, 120),
            order(3, "standard MEAL", OrderStatus::Pending, 5),
            order(4, "tea", OrderStatus::Cancelled, 10),
        ] {
            facts.orders.insert(o.id, o);
        }
        facts
    }

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    fn ids(list: &OrderList) -> Vec<i64> {
        list.rows.iter().map(|r| r.order.id.get()).collect()
    }

    #[test]
    fn filters_narrow_and_counts_cover_every_order() {
        let facts = facts();
        let stuck_after = Duration::seconds(30);
        let all = list(&facts, &OrderFilter::default(), None, NOW, stuck_after);
        assert_eq!(ids(&all), [4, 3, 2, 1], "newest first");
        assert_eq!(all.counts[&OrderStatus::Pending], 2);
        assert_eq!(all.counts[&OrderStatus::Completed], 1);
        assert_eq!(all.counts[&OrderStatus::Cancelled], 1);
        assert_eq!(
            all.stuck, 1,
            "order 2 is PENDING for 120 s, order 3 only 5 s"
        );

        let by = |pairs: &[(&str, &str)]| {
            let filter = OrderFilter::parse(&fields(pairs)).unwrap();
            let listed = list(&facts, &filter, None, NOW, stuck_after);
            assert_eq!(
                listed.counts[&OrderStatus::Pending],
                2,
                "counts ignore the filter"
            );
            ids(&listed)
        };
        assert_eq!(by(&[("status", "PENDING")]), [3, 2]);
        assert_eq!(by(&[("item", " meal ")]), [3, 1]);
        assert_eq!(by(&[("max_age", "60")]), [4, 3]);
        assert_eq!(by(&[("stuck", "on")]), [2]);
        assert_eq!(by(&[("status", "PENDING"), ("item", "tea")]), [2]);
        assert_eq!(
            by(&[("status", ""), ("item", ""), ("max_age", "")]),
            [4, 3, 2, 1]
        );
    }

    #[test]
    fn pages_go_older_from_where_the_last_ended() {
        let mut facts = Facts::default();
        for id in 1..=i64::try_from(PAGE).unwrap() + 5 {
            let o = order(id, "tea", OrderStatus::Completed, 10);
            facts.orders.insert(o.id, o);
        }
        let first = list(
            &facts,
            &OrderFilter::default(),
            None,
            NOW,
            Duration::seconds(30),
        );
        assert_eq!(first.rows.len(), PAGE);
        let next = first.next.expect("more than a page");
        assert_eq!(next.get(), 6, "the last row shown");
        let second = list(
            &facts,
            &OrderFilter::default(),
            Some(next),
            NOW,
            Duration::seconds(30),
        );
        assert_eq!(ids(&second), [5, 4, 3, 2, 1]);
        assert_eq!(second.next, None);
    }

    #[test]
    fn bad_filters_name_their_field() {
        let error = |pairs: &[(&str, &str)]| OrderFilter::parse(&fields(pairs)).unwrap_err();
        assert_eq!(error(&[("status", "DONE")]).field, "status");
        assert_eq!(error(&[("max_age", "-3")]).field, "max_age");
        assert_eq!(error(&[("stuck", "maybe")]).field, "stuck");
    }
}
