//! What every page reads through: a [`SagaReader`] answers one page's question (a page of
//! orders, one order, the saga's health, a page of dead letters) with reads bounded by the
//! page, not by everything ever stored. [`SnapshotReader`] answers from a whole snapshot
//! (the memory backends of the demo and the tests, where the state is small); the real stack's
//! reader answers from indexed PostgreSQL pages, the DLQ index and bounded Kafka reads.

use std::sync::Arc;

use async_trait::async_trait;
use saga_core::ports::PortError;
use saga_core::{EventId, OrderId};
use saga_runtime::dlq::{self, DeadLetter, Filter};
use time::{Duration, OffsetDateTime};

use crate::dead_letters::DeadLetterDeps;
use crate::source::Snapshots;
use crate::view::Facts;
use crate::view::dead_letters::{GroupSummary, summarize, tally};
use crate::view::health::{self, Health};
use crate::view::orders::{self, OrderFilter, OrderList};

/// Letters on one page at most.
pub const LETTER_PAGE: usize = 100;

/// One page of dead letters and the counts of all that match.
#[derive(Debug, Clone, Default)]
pub struct LetterPage {
    pub groups: Vec<GroupSummary>,
    /// Oldest first, at most [`LETTER_PAGE`].
    pub letters: Vec<DeadLetter>,
    /// Where the next page starts, when there is one.
    pub next: Option<(OffsetDateTime, EventId)>,
    /// DLQ records that are not rejections.
    pub unreadable: u64,
}

/// The saga as the pages ask about it. Every method is one bounded read.
#[async_trait]
pub trait SagaReader: Send + Sync + 'static {
    /// The newest orders matching `filter` older than `before`, with the counts.
    async fn orders(
        &self,
        filter: &OrderFilter,
        before: Option<OrderId>,
        now: OffsetDateTime,
        stuck_after: Duration,
    ) -> Result<OrderList, PortError>;

    /// What the stores and topics hold about `order` (at least; a reader may return more).
    async fn order(&self, order: OrderId) -> Result<Arc<Facts>, PortError>;

    async fn health(&self, now: OffsetDateTime, stuck_after: Duration)
    -> Result<Health, PortError>;

    /// One page of the dead letters `filter` admits, after `after`.
    async fn letters(
        &self,
        filter: &Filter,
        after: Option<(OffsetDateTime, EventId)>,
    ) -> Result<LetterPage, PortError>;

    /// One dead letter, read now.
    async fn letter(&self, id: EventId) -> Result<Option<DeadLetter>, PortError>;
}

/// A [`SagaReader`] over whole snapshots, read at most once per refresh.
pub struct SnapshotReader {
    snapshots: Snapshots,
    dead_letters: Option<DeadLetterDeps>,
}

impl SnapshotReader {
    pub fn new(snapshots: Snapshots, dead_letters: Option<DeadLetterDeps>) -> Self {
        Self {
            snapshots,
            dead_letters,
        }
    }

    /// The cached facts (`fresh`: read now), or why they could not be read.
    async fn facts(&self, fresh: bool) -> Result<Arc<Facts>, PortError> {
        let current = if fresh {
            self.snapshots.fresh().await
        } else {
            self.snapshots.current().await
        };
        match current.error {
            Some(error) => Err(PortError::unavailable("the saga's stores", error)),
            None => Ok(current.facts),
        }
    }

    async fn all_letters(&self, fresh: bool) -> Result<(Vec<DeadLetter>, usize), PortError> {
        let facts = self.facts(fresh).await?;
        match &self.dead_letters {
            Some(deps) => deps.letters(&facts.dead_letters).await,
            None => Ok(dlq::gather(&facts.dead_letters, &[], &[])),
        }
    }
}

#[async_trait]
impl SagaReader for SnapshotReader {
    async fn orders(
        &self,
        filter: &OrderFilter,
        before: Option<OrderId>,
        now: OffsetDateTime,
        stuck_after: Duration,
    ) -> Result<OrderList, PortError> {
        let facts = self.facts(false).await?;
        Ok(orders::list(&facts, filter, before, now, stuck_after))
    }

    async fn order(&self, _order: OrderId) -> Result<Arc<Facts>, PortError> {
        self.facts(false).await
    }

    async fn health(
        &self,
        now: OffsetDateTime,
        stuck_after: Duration,
    ) -> Result<Health, PortError> {
        let facts = self.facts(false).await?;
        let mut health = health::of(&facts, now, stuck_after);
        if self.dead_letters.is_some() {
            let (letters, _) = self.all_letters(false).await?;
            let all = Filter {
                closed_too: true,
                ..Filter::default()
            };
            health.letters = Some(tally(&summarize(&letters, &all)));
        }
        Ok(health)
    }

    async fn letters(
        &self,
        filter: &Filter,
        after: Option<(OffsetDateTime, EventId)>,
    ) -> Result<LetterPage, PortError> {
        let (letters, unreadable) = self.all_letters(false).await?;
        Ok(page_of(&letters, filter, after, unreadable))
    }

    async fn letter(&self, id: EventId) -> Result<Option<DeadLetter>, PortError> {
        let (letters, _) = self.all_letters(true).await?;
        Ok(letters.into_iter().find(|l| l.id == id))
    }
}

/// The page of `letters` (ordered by time, then id) that `filter` admits after `after`.
pub fn page_of(
    letters: &[DeadLetter],
    filter: &Filter,
    after: Option<(OffsetDateTime, EventId)>,
    unreadable: usize,
) -> LetterPage {
    let mut page: Vec<DeadLetter> = letters
        .iter()
        .filter(|l| filter.admits(l))
        .filter(|l| after.is_none_or(|a| (l.at, l.id) > a))
        .take(LETTER_PAGE + 1)
        .cloned()
        .collect();
    let next = (page.len() > LETTER_PAGE).then(|| {
        page.truncate(LETTER_PAGE);
        page.last().map(|l| (l.at, l.id))
    });
    LetterPage {
        groups: summarize(letters, filter),
        letters: page,
        next: next.flatten(),
        unreadable: u64::try_from(unreadable).unwrap_or(u64::MAX),
    }
}
