//! One relay round: claim, publish, mark. Repeats at once while rows keep coming, else waits
//! for a commit notification or the poll interval.

use saga_core::mutant::{self, Mutant};
use saga_core::ports::{OutboxClaim, OutgoingMessage};
use saga_runtime::CancellationToken;
use saga_runtime::backoff::Backoff;
use saga_runtime::health::Health;
use saga_runtime::metrics as names;

use crate::{RelayConfig, RelayDeps};

pub(crate) async fn run(
    deps: RelayDeps,
    config: RelayConfig,
    health: Health,
    shutdown: CancellationToken,
) {
    let mut backoff = Backoff::service();
    let mut last_report: Option<tokio::time::Instant> = None;
    while !shutdown.is_cancelled() {
        // The backlog query costs a scan of unpublished rows: once a second is plenty.
        if last_report.is_none_or(|at| at.elapsed() >= std::time::Duration::from_secs(1)) {
            report_backlog(&deps).await;
            last_report = Some(tokio::time::Instant::now());
        }
        let claim = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            claim = deps.store.claim_outbox(config.batch_size) => claim,
        };
        let claim = match claim {
            Ok(claim) => claim,
            Err(error) => {
                health.set(false);
                tracing::warn!(%error, "claiming outbox rows failed; retrying");
                backoff.wait(&shutdown).await;
                continue;
            }
        };
        health.set(true);
        let claimed = claim.records().len();
        if claimed == 0 {
            health.idle();
            drop(claim);
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                () = deps.store.wait_for_outbox(config.poll_interval) => {}
            }
            continue;
        }
        health.busy();
        if relay(&deps, claim).await {
            health.progressed();
            backoff.reset();
        } else if !backoff.wait(&shutdown).await {
            break;
        }
    }
}

/// Publishes a claimed batch and marks it; false when it must be retried later.
async fn relay(deps: &RelayDeps, claim: Box<dyn OutboxClaim>) -> bool {
    let ids: Vec<i64> = claim.records().iter().map(|r| r.id).collect();
    let messages: Vec<OutgoingMessage> = claim
        .records()
        .iter()
        .map(|r| OutgoingMessage {
            topic: r.topic,
            key: r.key.clone(),
            payload: r.payload.clone(),
            correlation_id: Some(r.correlation_id.clone()),
            replay: None,
            // The bug: the row's trace context stays behind in the outbox.
            trace: r.trace.filter(|_| !mutant::active(Mutant::DropTraceHeader)),
        })
        .collect();
    let created: Vec<_> = claim.records().iter().map(|r| r.created_at).collect();
    if mutant::active(Mutant::MarkBeforePublish) {
        // The bug: rows count as published before the broker has them.
        let marked = claim.mark_published(&ids).await.is_ok();
        let _ = deps.bus.publish(messages).await;
        return marked;
    }
    if let Err(error) = deps.bus.publish(messages).await {
        tracing::warn!(%error, rows = ids.len(), "publishing outbox rows failed; they stay unpublished");
        return false;
    }
    metrics::counter!(names::EVENTS_PUBLISHED, "component" => "outbox-relay")
        .increment(ids.len() as u64);
    let now = deps.clock.now();
    for at in created {
        metrics::histogram!(names::OUTBOX_LAG).record((now - at).as_seconds_f64().max(0.0));
    }
    match claim.mark_published(&ids).await {
        Ok(()) => {
            tracing::debug!(rows = ids.len(), "outbox rows published");
            true
        }
        Err(error) => {
            // Published but not marked: they will be published again, which is safe.
            tracing::warn!(%error, rows = ids.len(), "marking rows published failed");
            false
        }
    }
}

async fn report_backlog(deps: &RelayDeps) {
    if let Ok(backlog) = deps.store.outbox_backlog().await {
        metrics::gauge!(names::OUTBOX_BACKLOG).set(backlog.unpublished as f64);
        let age = backlog
            .oldest_created_at
            .map_or(0.0, |at| (deps.clock.now() - at).as_seconds_f64().max(0.0));
        metrics::gauge!(names::OUTBOX_OLDEST_AGE).set(age);
    }
}

#[cfg(test)]
mod tests {
    //! The relay on the memory order store and bus: every committed row reaches the bus and is
    //! marked; a failed publish leaves its rows for the next round; two relays never publish
    //! one row at once; the loop drains whatever is committed while it runs, each row once.

    use std::collections::BTreeMap;
    use std::sync::Arc;
    use std::time::Duration;

    use async_trait::async_trait;
    use saga_core::event::decode;
    use saga_core::ports::{
        Consumer, Entropy, EventBus, FixedClock, NewOrder, OrderStore, PortError, SeededEntropy,
    };
    use saga_core::{CorrelationId, EventId, Item, Topic};
    use saga_memory::{MemoryEventBus, MemoryOrderStore};
    use time::macros::datetime;

    use super::*;

    /// A broker that is down.
    struct DownBus;

    #[async_trait]
    impl EventBus for DownBus {
        async fn publish(&self, _: Vec<OutgoingMessage>) -> Result<(), PortError> {
            Err(PortError::unavailable("Kafka", "down"))
        }

        async fn subscribe(&self, _: &str, _: &[Topic]) -> Result<Box<dyn Consumer>, PortError> {
            Err(PortError::unavailable("Kafka", "down"))
        }

        async fn ping(&self) -> Result<(), PortError> {
            Err(PortError::unavailable("Kafka", "down"))
        }
    }

    fn deps(store: &MemoryOrderStore, bus: Arc<dyn EventBus>) -> RelayDeps {
        RelayDeps {
            store: Arc::new(store.clone()),
            bus,
            clock: Arc::new(FixedClock::new(datetime!(2026-01-01 0:01 UTC))),
            redelivery: None,
        }
    }

    /// Commits `n` orders; their ORDER_CREATED event ids, in commit order.
    async fn commit_orders(
        store: &MemoryOrderStore,
        entropy: &SeededEntropy,
        n: usize,
    ) -> Vec<EventId> {
        let mut ids = Vec::new();
        for _ in 0..n {
            let new = NewOrder {
                item: Item::parse("tea").unwrap(),
                correlation_id: CorrelationId::parse("c-1").unwrap(),
                idempotency_key: None,
                owner: None,
                event_id: entropy.event_id(),
                created_at: datetime!(2026-01-01 0:00 UTC),
                trace: None,
                schema: saga_core::event::Schema::V1,
            };
            ids.push(new.event_id);
            store.create_order(new).await.unwrap();
        }
        ids
    }

    /// How many times each event id is on the `orders` topic.
    fn published(bus: &MemoryEventBus) -> BTreeMap<EventId, usize> {
        let mut counts = BTreeMap::new();
        for record in bus.snapshot().records {
            if record.topic == Topic::Orders {
                *counts
                    .entry(decode(&record.payload).unwrap().event_id)
                    .or_default() += 1;
            }
        }
        counts
    }

    #[tokio::test]
    async fn a_claimed_batch_is_published_then_marked() {
        let (store, bus, entropy) = (
            MemoryOrderStore::new(),
            MemoryEventBus::new(3),
            SeededEntropy::new(1),
        );
        let ids = commit_orders(&store, &entropy, 3).await;
        let deps = deps(&store, Arc::new(bus.clone()));
        let claim = store.claim_outbox(10).await.unwrap();
        assert!(relay(&deps, claim).await);
        let expected: BTreeMap<_, _> = ids.iter().map(|id| (*id, 1)).collect();
        assert_eq!(published(&bus), expected);
        assert_eq!(store.backlog().unpublished, 0);
    }

    #[tokio::test]
    async fn a_failed_publish_leaves_the_rows_for_the_next_round() {
        let (store, entropy) = (MemoryOrderStore::new(), SeededEntropy::new(2));
        let ids = commit_orders(&store, &entropy, 2).await;
        let deps = deps(&store, Arc::new(DownBus));
        let claim = store.claim_outbox(10).await.unwrap();
        assert!(!relay(&deps, claim).await);
        assert_eq!(store.backlog().unpublished, 2);
        let again = store.claim_outbox(10).await.unwrap();
        let reclaimed: Vec<EventId> = again.records().iter().map(|r| r.event_id).collect();
        assert_eq!(reclaimed, ids);
    }

    #[tokio::test]
    async fn rows_another_relay_holds_are_not_published_twice() {
        let (store, bus, entropy) = (
            MemoryOrderStore::new(),
            MemoryEventBus::new(3),
            SeededEntropy::new(3),
        );
        commit_orders(&store, &entropy, 4).await;
        let deps = deps(&store, Arc::new(bus.clone()));
        let first = store.claim_outbox(2).await.unwrap();
        let second = store.claim_outbox(10).await.unwrap();
        assert_eq!((first.records().len(), second.records().len()), (2, 2));
        assert!(relay(&deps, second).await);
        assert!(relay(&deps, first).await);
        assert_eq!(
            published(&bus).values().copied().collect::<Vec<_>>(),
            [1, 1, 1, 1]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_loop_drains_rows_committed_while_it_runs_each_once() {
        let (store, bus, entropy) = (
            MemoryOrderStore::new(),
            MemoryEventBus::new(3),
            SeededEntropy::new(4),
        );
        let config = RelayConfig {
            batch_size: 2,
            ..Default::default()
        };
        let token = CancellationToken::new();
        let running = tokio::spawn(run(
            deps(&store, Arc::new(bus.clone())),
            config,
            Health::new(),
            token.clone(),
        ));
        let mut ids = commit_orders(&store, &entropy, 3).await;
        tokio::time::sleep(Duration::from_millis(10)).await;
        ids.extend(commit_orders(&store, &entropy, 4).await);
        // Paused time: sleeping only lets the relay's own wake-ups and polls happen.
        for _ in 0..100 {
            if store.backlog().unpublished == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        token.cancel();
        running.await.unwrap();
        let expected: BTreeMap<_, _> = ids.iter().map(|id| (*id, 1)).collect();
        assert_eq!(published(&bus), expected);
        assert_eq!(store.backlog().unpublished, 0);
    }
}
