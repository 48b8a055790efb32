//! The saga's health at a glance: outbox backlog, consumer lag per group, stuck orders, dead
//! letters, what retention has to keep, and the checker's verdict.

use saga_core::Topic;
use saga_core::topic::CONSUMER_GROUPS;
use time::{Duration, OffsetDateTime};

use super::facts::Facts;
use super::orders::is_stuck;

/// One consumer group's position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupLag {
    pub group: &'static str,
    pub topic: Topic,
    pub lag: u64,
}

/// Rows the retention jobs are responsible for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retained {
    pub outbox_rows: usize,
    pub published_outbox_rows: usize,
    pub processed_events: usize,
    pub idempotency_keys: usize,
    /// `None` when not counted.
    pub decisions: Option<usize>,
}

/// The whole health page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub unpublished: usize,
    /// Age of the oldest unpublished outbox row, when there is one.
    pub oldest_unpublished: Option<Duration>,
    pub lags: Vec<GroupLag>,
    pub stuck: usize,
    pub dead_letters: Vec<(Topic, usize)>,
    /// Records on `orders`/`payments` that are not saga events; `None` when not counted (a
    /// reader that does not read the main topics whole).
    pub undecodable: Option<usize>,
    pub retained: Retained,
    /// Safety violations found, all orders together; `None` when nothing judges (no auditor).
    pub violations: Option<usize>,
    /// Open, replayed and discarded dead letters, when the explorer reads the stores.
    pub letters: Option<super::dead_letters::Tally>,
}

/// Health of the saga in `facts` at `now`.
pub fn of(facts: &Facts, now: OffsetDateTime, stuck_after: Duration) -> Health {
    let mut unpublished = 0;
    let mut oldest: Option<OffsetDateTime> = None;
    for (order, rows) in &facts.outbox {
        for row in rows.iter().filter(|r| !r.published) {
            unpublished += 1;
            // An ORDER_CREATED row is written with the order, an ORDER_COMPLETED one with its
            // last update.
            if let Some(o) = facts.orders.get(order) {
                let at = if row.order_created {
                    o.created_at
                } else {
                    o.updated_at
                };
                oldest = Some(oldest.map_or(at, |t| t.min(at)));
            }
        }
    }
    let outbox_rows: usize = facts.outbox.values().map(Vec::len).sum();
    let dead_letters = [Topic::OrdersDlq, Topic::PaymentsDlq]
        .into_iter()
        .map(|t| {
            (
                t,
                facts.dead_letters.iter().filter(|r| r.topic == t).count(),
            )
        })
        .collect();
    Health {
        unpublished,
        oldest_unpublished: oldest.map(|t| now - t),
        lags: CONSUMER_GROUPS
            .iter()
            .map(|(group, topic)| GroupLag {
                group,
                topic: *topic,
                lag: facts.lag(group, *topic),
            })
            .collect(),
        stuck: facts
            .orders
            .values()
            .filter(|o| is_stuck(o, now, stuck_after))
            .count(),
        dead_letters,
        undecodable: Some(facts.undecodable),
        retained: Retained {
            outbox_rows,
            published_outbox_rows: outbox_rows - unpublished,
            processed_events: facts.processed.len(),
            idempotency_keys: facts
                .orders
                .values()
                .filter(|o| o.idempotency_key.is_some())
                .count(),
            decisions: Some(facts.decisions.len()),
        },
        violations: Some(facts.violations.values().map(Vec::len).sum()),
        letters: None,
    }
}
