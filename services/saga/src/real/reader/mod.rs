//! The explorer's reader on the real stack: every page one bounded read. The order list is a
//! keyset page of PostgreSQL with counts kept per refresh; an order's journey reads that
//! order's rows, its decision and its Kafka records from its creation on (bounded); health
//! reads counters and the groups' offsets, never a record; dead letters come from the DLQ
//! index. Verdicts are the auditor's, when `AUDITOR_URL` names one.

mod kept;
pub mod letters;
mod verdicts;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use saga_core::ports::PortError;
use saga_core::snapshot::{BusSnapshot, SystemSnapshot};
use saga_core::topic::CONSUMER_GROUPS;
use saga_core::{EventId, OrderId, OrderStatus, Topic};
use saga_explorer::reader::{LETTER_PAGE, LetterPage};
use saga_explorer::view::Facts;
use saga_explorer::view::dead_letters::{GroupSummary, tally};
use saga_explorer::view::health::{GroupLag, Health, Retained};
use saga_explorer::view::orders::{self, OrderFilter, OrderList, PAGE};
use saga_explorer::{ExplorerConfig, SagaReader};
use saga_kafka::KafkaConfig;
use saga_postgres::{LetterGroup, LetterQuery, OrderQuery, PgReads, SagaStats};
use saga_redis::{RedisConfig, RedisDecisionStore};
use saga_runtime::dlq::{DeadLetter, Filter};
use time::OffsetDateTime;

use self::kept::Kept;
use self::letters::{LetterIndex, dead_letter};
use self::verdicts::Auditor;
use super::Postgres;

/// Kafka records read at most for one order's journey, and for how long.
const JOURNEY_RECORDS: usize = 20_000;
const JOURNEY_READ: Duration = Duration::from_millis(500);
/// How long after an order's last change its journey still looks for records of it.
const JOURNEY_AFTER: time::Duration = time::Duration::minutes(2);
/// How long a page waits for the DLQ index to catch up; the rest is indexed by later reads.
const INDEX_WAIT: Duration = Duration::from_millis(500);

/// The real backends, read by page.
pub struct RealReader {
    reads: PgReads,
    kafka: KafkaConfig,
    decisions: RedisDecisionStore,
    counts: Kept<Option<String>, Vec<(OrderStatus, u64)>>,
    /// Orders matching a filter, by the filter.
    matched: Kept<String, u64>,
    positions: Kept<(), BusSnapshot>,
    stats: Kept<(), SagaStats>,
    /// Dead letters counted by group, by filter.
    letter_groups: Kept<String, Vec<LetterGroup>>,
    unreadable: Kept<(), u64>,
    index: LetterIndex,
    auditor: Option<Auditor>,
}

impl RealReader {
    /// Connects to Kafka and Redis from the environment, beside `pg`; reads the auditor at
    /// `AUDITOR_URL` when it is set.
    ///
    /// # Errors
    /// A dependency that is misconfigured or unreachable, named with its address.
    pub async fn connect(pg: Postgres, config: &ExplorerConfig) -> anyhow::Result<Self> {
        let kafka = KafkaConfig::from_env().context("configuring Kafka")?;
        let redis = RedisConfig::from_env()?;
        let conn = redis.connect().await?;
        let reads = PgReads::new(pg.pool, pg.deadline);
        let auditor = std::env::var("AUDITOR_URL")
            .ok()
            .filter(|url| !url.trim().is_empty())
            .map(|url| Auditor::new(url.trim(), config.refresh));
        Ok(Self {
            counts: Kept::new(config.refresh),
            matched: Kept::new(config.refresh),
            positions: Kept::new(config.refresh),
            stats: Kept::new(config.refresh),
            letter_groups: Kept::new(config.refresh),
            unreadable: Kept::new(config.refresh),
            index: LetterIndex::new(reads.clone(), kafka.clone(), config.refresh),
            reads,
            kafka,
            decisions: RedisDecisionStore::new(conn, redis.key_prefix),
            auditor,
        })
    }

    /// Orders per status of `owner` (everyone's for `None`), kept per refresh.
    async fn counts(&self, owner: Option<&str>) -> Result<Vec<(OrderStatus, u64)>, PortError> {
        let reads = self.reads.clone();
        let key = owner.map(str::to_owned);
        let owner = key.clone();
        let read = || async move { reads.status_counts(owner.as_deref()).await };
        self.counts.get(key, read).await
    }

    /// How many orders `filter` admits: from the counts per status when it names no more than
    /// a status, else counted (and kept per refresh).
    async fn matched(
        &self,
        filter: &OrderFilter,
        query: &OrderQuery,
        counts: &[(OrderStatus, u64)],
    ) -> Result<u64, PortError> {
        let only_status = filter.item.is_none() && filter.max_age.is_none() && !filter.stuck;
        if only_status {
            let admitted = counts
                .iter()
                .filter(|(s, _)| filter.status.is_none_or(|f| f == *s));
            return Ok(admitted.map(|(_, n)| n).sum());
        }
        let reads = self.reads.clone();
        let query = OrderQuery {
            before: None,
            ..query.clone()
        };
        let read = || async move { reads.count(&query).await };
        self.matched.get(format!("{filter:?}"), read).await
    }

    /// The dead letters `query` admits counted by group, and the DLQ records that are not
    /// rejections; both kept per refresh.
    async fn letter_counts(
        &self,
        query: &LetterQuery,
    ) -> Result<(Vec<LetterGroup>, u64), PortError> {
        let key = format!("{:?} {:?} {}", query.reason, query.topic, query.closed_too);
        let (reads, grouped) = (self.reads.clone(), query.clone());
        let groups = self
            .letter_groups
            .get(key, || async move { reads.letter_groups(&grouped).await });
        let reads = self.reads.clone();
        let unreadable = self
            .unreadable
            .get((), || async move { reads.unreadable_letters().await });
        let (groups, unreadable) = tokio::join!(groups, unreadable);
        Ok((groups?, unreadable?))
    }

    /// Every topic's end offsets and the saga groups' committed offsets, kept per refresh.
    async fn positions(&self) -> Result<BusSnapshot, PortError> {
        let kafka = self.kafka.clone();
        let read = || async move {
            let groups: Vec<&str> = CONSUMER_GROUPS.iter().map(|(group, _)| *group).collect();
            saga_kafka::read_positions(&kafka, &groups).await
        };
        self.positions.get((), read).await
    }

    /// The saga's counters, kept per refresh.
    async fn stats(&self, stuck_before: OffsetDateTime) -> Result<SagaStats, PortError> {
        let reads = self.reads.clone();
        self.stats
            .get((), || async move { reads.stats(stuck_before).await })
            .await
    }

    async fn verdicts(&self) -> Option<Arc<verdicts::Verdicts>> {
        match &self.auditor {
            Some(auditor) => auditor.verdicts().await,
            None => None,
        }
    }
}

fn query_of(filter: &OrderFilter, now: OffsetDateTime, stuck_after: time::Duration) -> OrderQuery {
    OrderQuery {
        status: filter.status,
        item: filter.item.clone(),
        created_after: filter.max_age.map(|age| now - age),
        pending_since_before: filter.stuck.then(|| now - stuck_after),
        owner: filter.only_owner.clone(),
        ..OrderQuery::default()
    }
}

#[async_trait]
impl SagaReader for RealReader {
    async fn orders(
        &self,
        filter: &OrderFilter,
        before: Option<OrderId>,
        now: OffsetDateTime,
        stuck_after: time::Duration,
    ) -> Result<OrderList, PortError> {
        let mut query = query_of(filter, now, stuck_after);
        query.before = before;
        query.limit = u32::try_from(PAGE + 1).unwrap_or(u32::MAX);
        let (found, counts, verdicts) = tokio::join!(
            self.reads.orders(&query),
            self.counts(filter.only_owner.as_deref()),
            self.verdicts()
        );
        let (found, counts) = (found?, counts?);
        let stuck_query = OrderQuery {
            pending_since_before: Some(now - stuck_after),
            owner: filter.only_owner.clone(),
            ..OrderQuery::default()
        };
        let stuck = self.reads.count(&stuck_query).await?;
        let total: u64 = counts.iter().map(|(_, n)| n).sum();
        let matched = self.matched(filter, &query, &counts).await?;
        let violated = |id: OrderId| {
            verdicts
                .as_ref()
                .is_some_and(|v| v.by_order.contains_key(&id))
        };
        let mut rows: Vec<_> = found
            .iter()
            .map(|order| orders::row(order, now, stuck_after, violated(order.id)))
            .collect();
        let next = (rows.len() > PAGE).then(|| {
            rows.truncate(PAGE);
            rows.last().map(|r| r.order.id)
        });
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let mut by_status: BTreeMap<OrderStatus, usize> = [
            OrderStatus::Pending,
            OrderStatus::Completed,
            OrderStatus::Cancelled,
        ]
        .into_iter()
        .map(|s| (s, 0))
        .collect();
        for (status, n) in counts {
            by_status.insert(status, size(n));
        }
        Ok(OrderList {
            rows,
            next: next.flatten(),
            matched: size(matched),
            counts: by_status,
            stuck: size(stuck),
            total: size(total),
        })
    }

    async fn order(&self, order: OrderId) -> Result<Arc<Facts>, PortError> {
        let now = OffsetDateTime::now_utc();
        let Some(pg) = self.reads.order(order).await? else {
            return Ok(Arc::default());
        };
        let created = pg.store.orders.first().map_or(now, |o| o.created_at);
        // An order's records fall between its creation and a while after its last change (a
        // redelivery, a late duplicate); a PENDING order's up to now.
        let last = pg
            .store
            .orders
            .first()
            .filter(|o| o.status.is_terminal())
            .map_or(now, |o| {
                let changed = pg.store.status_changes.iter().map(|c| c.at).max();
                changed.unwrap_or(o.updated_at).max(o.updated_at) + JOURNEY_AFTER
            });
        let mut decisions = Vec::new();
        for &source in pg.store.created_events.values() {
            if let Some(decision) = self.decisions.get(source).await? {
                decisions.push((source, decision));
            }
        }
        let topics = [Topic::Orders, Topic::Payments];
        let window = (created - time::Duration::seconds(5), last);
        let (records, positions) = tokio::join!(
            saga_kafka::records_since(
                &self.kafka,
                &topics,
                order.to_string(),
                window,
                JOURNEY_RECORDS,
                JOURNEY_READ
            ),
            self.positions()
        );
        let (records, _) = records?;
        let mut bus = positions?;
        bus.records = records;
        let snapshot = SystemSnapshot {
            acknowledged: Vec::new(),
            store: pg.store,
            decisions,
            deliveries: pg.deliveries,
            bus,
            dead_letters: pg.dead_letters,
            dead_letter_actions: Vec::new(),
            interference: Default::default(),
        };
        let mut facts = Facts::build(&snapshot, now);
        if let Some(verdicts) = self.verdicts().await {
            if let Some(found) = verdicts.by_order.get(&order) {
                let list = facts.violations.entry(Some(order)).or_default();
                list.extend(found.iter().cloned());
            }
        }
        Ok(Arc::new(facts))
    }

    async fn health(
        &self,
        now: OffsetDateTime,
        stuck_after: time::Duration,
    ) -> Result<Health, PortError> {
        let (stats, positions, verdicts) = tokio::join!(
            self.stats(now - stuck_after),
            self.positions(),
            self.verdicts()
        );
        let (stats, positions) = (stats?, positions?);
        self.index.catch_up(INDEX_WAIT).await?;
        let all = LetterQuery {
            closed_too: true,
            ..LetterQuery::default()
        };
        let (groups, _) = self.letter_counts(&all).await?;
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let lag = |group: &str, topic: Topic| -> u64 {
            let committed = positions.groups.iter().find(|g| g.group == group);
            positions
                .end_offsets
                .iter()
                .filter(|((t, _), _)| *t == topic)
                .map(|(tp, end)| {
                    let at = committed
                        .and_then(|c| c.committed.get(tp))
                        .copied()
                        .unwrap_or(0);
                    end.saturating_sub(at)
                })
                .sum()
        };
        let on_topic = |topic: Topic| {
            let n: u64 = positions
                .end_offsets
                .iter()
                .filter(|((t, _), _)| *t == topic)
                .map(|(_, end)| end)
                .sum();
            (topic, size(n))
        };
        Ok(Health {
            unpublished: size(stats.unpublished),
            oldest_unpublished: stats.oldest_unpublished.map(|at| now - at),
            lags: CONSUMER_GROUPS
                .iter()
                .map(|(group, topic)| GroupLag {
                    group,
                    topic: *topic,
                    lag: lag(group, *topic),
                })
                .collect(),
            stuck: size(stats.stuck),
            dead_letters: vec![on_topic(Topic::OrdersDlq), on_topic(Topic::PaymentsDlq)],
            undecodable: None,
            retained: Retained {
                outbox_rows: size(stats.outbox_rows),
                published_outbox_rows: size(
                    stats.outbox_rows - stats.unpublished.min(stats.outbox_rows),
                ),
                processed_events: size(stats.processed_events),
                idempotency_keys: size(stats.idempotency_keys),
                decisions: None,
            },
            violations: verdicts.map(|v| size(v.total)),
            letters: Some(tally(&groups.into_iter().map(summary).collect::<Vec<_>>())),
        })
    }

    async fn letters(
        &self,
        filter: &Filter,
        after: Option<(OffsetDateTime, EventId)>,
    ) -> Result<LetterPage, PortError> {
        self.index.catch_up(INDEX_WAIT).await?;
        let query = LetterQuery {
            reason: filter.reason,
            topic: filter.topic,
            closed_too: filter.closed_too,
            after,
            limit: u32::try_from(LETTER_PAGE + 1).unwrap_or(u32::MAX),
        };
        let (found, counted) = tokio::join!(self.reads.letters(&query), self.letter_counts(&query));
        let (groups, unreadable) = counted?;
        let mut letters: Vec<DeadLetter> = found?.into_iter().filter_map(dead_letter).collect();
        let next = (letters.len() > LETTER_PAGE).then(|| {
            letters.truncate(LETTER_PAGE);
            letters.last().map(|l| (l.at, l.id))
        });
        Ok(LetterPage {
            groups: groups.into_iter().map(summary).collect(),
            letters,
            next: next.flatten(),
            unreadable,
        })
    }

    async fn letter(&self, id: EventId) -> Result<Option<DeadLetter>, PortError> {
        self.index.catch_up_now(INDEX_WAIT).await?;
        Ok(self.reads.letter(id).await?.and_then(dead_letter))
    }
}

fn summary(g: LetterGroup) -> GroupSummary {
    GroupSummary {
        reason: g.reason,
        topic: g.topic,
        group: g.group,
        first: g.first,
        last: g.last,
        open: g.open,
        replayed: g.replayed,
        in_table: g.in_table,
        total: g.total,
    }
}
