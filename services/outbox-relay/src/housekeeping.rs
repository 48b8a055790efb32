//! The relay's background duties beside publishing: the stuck-order reconciler (orders PENDING
//! too long get their ORDER_CREATED published again, with the same event id, so downstream
//! deduplication holds) and retention (published outbox rows, processed events and idempotency
//! keys pruned in small batches after their windows).

use std::time::Duration;

use saga_core::ports::PruneCutoffs;
use saga_runtime::CancellationToken;
use saga_runtime::metrics as names;

use crate::{ReconcileConfig, RelayDeps, RetentionConfig};

/// Runs the reconciler (when given) and retention until `shutdown`.
pub(crate) async fn run(
    deps: &RelayDeps,
    reconcile: Option<ReconcileConfig>,
    retention: RetentionConfig,
    shutdown: &CancellationToken,
) {
    tokio::join!(
        async {
            if let Some(reconcile) = reconcile {
                every(reconcile.every, shutdown, || redrive(deps, reconcile)).await;
            }
        },
        async {
            if retention.enabled() {
                every(retention.every, shutdown, || prune(deps, retention)).await;
            }
        },
    );
}

/// Calls `work` every `period` until `shutdown`.
async fn every<F, Fut>(period: Duration, shutdown: &CancellationToken, mut work: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    loop {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(period) => {}
        }
        tokio::select! {
            biased;
            () = shutdown.cancelled() => return,
            () = work() => {}
        }
    }
}

/// The store's clock, which stamped the rows the cutoffs are compared with: a relay whose own
/// clock is off by any amount still prunes and re-drives on time. `None` (logged) when the
/// store cannot be asked: the pass is skipped.
async fn database_time(deps: &RelayDeps) -> Option<time::OffsetDateTime> {
    match deps.store.database_time().await {
        Ok(now) => Some(now),
        Err(error) => {
            tracing::warn!(%error, "reading the database's clock failed");
            None
        }
    }
}

async fn redrive(deps: &RelayDeps, config: ReconcileConfig) {
    let Some(now) = database_time(deps).await else {
        return;
    };
    match deps
        .store
        .redrive_stuck(now - config.stuck_after, now, config.batch)
        .await
    {
        Ok(found) => {
            metrics::gauge!(names::ORDERS_STUCK).set(found.stuck as f64);
            if found.redriven > 0 {
                metrics::counter!(names::ORDERS_REDRIVEN).increment(found.redriven);
                tracing::warn!(
                    stuck = found.stuck,
                    redriven = found.redriven,
                    "orders pending too long: their ORDER_CREATED is published again"
                );
            }
        }
        Err(error) => tracing::warn!(%error, "looking for stuck orders failed"),
    }
}

/// The least pause after a full batch of pruning, before the next.
const PRUNE_PAUSE: Duration = Duration::from_millis(50);

async fn prune(deps: &RelayDeps, config: RetentionConfig) {
    // Small batches while there is a backlog, never one long statement, and paced: after a full
    // batch, a pause of four times what it took (at least PRUNE_PAUSE), so pruning holds the
    // database at most a fifth of the time. Back to back, the batches of a 10 s window at 430
    // orders/s (nine statements of 1,000 rows) were a burst that every concurrent order waited
    // behind: the benchmark's half-rate p99 doubled in the runs that caught one.
    loop {
        let started = tokio::time::Instant::now();
        let Some(now) = database_time(deps).await else {
            return;
        };
        let cutoffs = PruneCutoffs {
            outbox: now - config.outbox,
            processed_events: now - config.processed_events,
            idempotency_keys: now - config.idempotency_keys,
            batch: config.batch,
        };
        let pruned = match deps.store.prune(cutoffs).await {
            Ok(pruned) => pruned,
            Err(error) => {
                tracing::warn!(%error, "pruning failed");
                return;
            }
        };
        for (kind, n) in [
            ("outbox", pruned.outbox),
            ("processed_events", pruned.processed_events),
            ("idempotency_keys", pruned.idempotency_keys),
        ] {
            metrics::counter!(names::RETENTION_PRUNED, "kind" => kind).increment(n);
        }
        let full = [
            pruned.outbox,
            pruned.processed_events,
            pruned.idempotency_keys,
        ]
        .contains(&(config.batch as u64));
        if !full {
            return;
        }
        tokio::time::sleep(PRUNE_PAUSE.max(started.elapsed() * 4)).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use saga_core::ports::{EventBus, FixedClock, NewOrder, OrderStore, SeededEntropy};
    use saga_core::{CorrelationId, IdempotencyKey, Item};
    use saga_memory::{MemoryEventBus, MemoryOrderStore};
    use time::macros::datetime;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_backlog_is_pruned_in_paced_batches_until_none_is_full() {
        let store = MemoryOrderStore::new();
        let entropy = SeededEntropy::new(7);
        for i in 0..25 {
            let new = NewOrder {
                item: Item::parse("tea").unwrap(),
                correlation_id: CorrelationId::parse("c-1").unwrap(),
                idempotency_key: Some(IdempotencyKey::parse(&format!("key-{i}")).unwrap()),
                owner: None,
                event_id: saga_core::ports::Entropy::event_id(&entropy),
                created_at: datetime!(2026-01-01 0:00 UTC),
                trace: None,
            };
            store.create_order(new).await.unwrap();
        }
        let bus: Arc<dyn EventBus> = Arc::new(MemoryEventBus::new(1));
        let deps = RelayDeps {
            store: Arc::new(store.clone()),
            bus,
            clock: Arc::new(FixedClock::new(datetime!(2026-01-03 0:00 UTC))),
        };
        let config = RetentionConfig {
            batch: 10,
            ..RetentionConfig::default()
        };
        let started = tokio::time::Instant::now();
        prune(&deps, config).await;
        // 10, 10, then 5: two full batches, each followed by a pause.
        assert_eq!(started.elapsed(), PRUNE_PAUSE * 2);
        let left = store.prune_now(PruneCutoffs {
            outbox: datetime!(2026-01-01 0:00 UTC),
            processed_events: datetime!(2026-01-01 0:00 UTC),
            idempotency_keys: datetime!(2026-01-03 0:00 UTC),
            batch: 100,
        });
        assert_eq!(left.idempotency_keys, 0, "every old key was pruned");
    }
}
