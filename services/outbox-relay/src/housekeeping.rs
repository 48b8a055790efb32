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

/// A cutoff no processed event is older than: pruning them is suspended.
const NEVER: time::OffsetDateTime = time::OffsetDateTime::UNIX_EPOCH;

/// Whether processed events may be pruned this pass: the topic's config can change while the
/// relay runs (a longer `retention.ms` or `segment.ms`), so the window is read again each pass,
/// and pruning stops, loudly, while the retention no longer covers it or the window is unknown.
async fn processed_events_safe(deps: &RelayDeps, config: RetentionConfig) -> bool {
    let Some(source) = &deps.redelivery else {
        return true;
    };
    let verdict = match source().await {
        Ok(window) => config
            .check_processed_events(&window)
            .map_err(|e| e.to_string()),
        Err(error) => Err(format!(
            "PROCESSED_EVENTS_RETENTION_SECONDS={}: the redelivery window cannot be read \
             ({error})",
            config.processed_events.as_secs()
        )),
    };
    match verdict {
        Ok(()) => true,
        Err(error) => {
            metrics::counter!(names::RETENTION_SUSPENDED).increment(1);
            tracing::error!(%error, "processed events are not pruned until this is fixed");
            false
        }
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
    let safe = processed_events_safe(deps, config).await;
    loop {
        let started = tokio::time::Instant::now();
        let Some(now) = database_time(deps).await else {
            return;
        };
        let cutoffs = PruneCutoffs {
            outbox: now - config.outbox,
            processed_events: if safe {
                now - config.processed_events
            } else {
                NEVER
            },
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

    use std::sync::Mutex;

    use saga_core::ports::{EventBus, FixedClock, NewOrder, OrderStore, SeededEntropy};
    use saga_core::redelivery::{WindowInputs, window};
    use saga_core::{CorrelationId, EventId, IdempotencyKey, Item, OrderId};
    use saga_memory::{MemoryEventBus, MemoryOrderStore};
    use time::macros::datetime;

    use super::*;
    use crate::WindowSource;

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
                schema: saga_core::event::Schema::V1,
            };
            store.create_order(new).await.unwrap();
        }
        let bus: Arc<dyn EventBus> = Arc::new(MemoryEventBus::new(1));
        let deps = RelayDeps {
            store: Arc::new(store.clone()),
            bus,
            clock: Arc::new(FixedClock::new(datetime!(2026-01-03 0:00 UTC))),
            redelivery: None,
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

    fn relay_with_window(store: &MemoryOrderStore, retention: Arc<Mutex<Duration>>) -> RelayDeps {
        const DAY: Duration = Duration::from_secs(24 * 3600);
        let redelivery: WindowSource = Arc::new(move || {
            let retention = *retention.lock().unwrap();
            Box::pin(async move {
                Ok(window(&WindowInputs {
                    retention: Some(retention),
                    segment: Duration::from_secs(3600),
                    offsets_retention: Some(DAY * 7),
                    lag: DAY,
                    republish: DAY,
                }))
            })
        });
        RelayDeps {
            store: Arc::new(store.clone()),
            bus: Arc::new(MemoryEventBus::new(1)),
            clock: Arc::new(FixedClock::new(datetime!(2026-01-03 0:00 UTC))),
            redelivery: Some(redelivery),
        }
    }

    fn processed_long_ago(store: &MemoryOrderStore, entropy: &SeededEntropy) -> EventId {
        let event = saga_core::ports::Entropy::event_id(entropy);
        let order = OrderId::new(1).unwrap();
        store.transaction(|t| t.record_processed(event, order, datetime!(2020-01-01 0:00 UTC)));
        event
    }

    #[tokio::test(start_paused = true)]
    async fn a_lengthened_topic_retention_stops_pruning_processed_events() {
        let store = MemoryOrderStore::new();
        let entropy = SeededEntropy::new(11);
        let retention = Arc::new(Mutex::new(Duration::from_secs(7 * 24 * 3600)));
        let deps = relay_with_window(&store, retention.clone());
        let config = RetentionConfig::default();
        let early = processed_long_ago(&store, &entropy);
        prune(&deps, config).await;
        assert!(
            !store.transaction(|t| t.is_processed(early)),
            "ten days cover a week's retention plus an hour and two days: pruned"
        );
        let late = processed_long_ago(&store, &entropy);
        *retention.lock().unwrap() = Duration::from_secs(14 * 24 * 3600);
        prune(&deps, config).await;
        assert!(
            store.transaction(|t| t.is_processed(late)),
            "a fortnight's retention outruns ten days: pruning stops"
        );
        *retention.lock().unwrap() = Duration::from_secs(7 * 24 * 3600);
        prune(&deps, config).await;
        assert!(
            !store.transaction(|t| t.is_processed(late)),
            "back within the window, pruning resumes"
        );
    }
}
