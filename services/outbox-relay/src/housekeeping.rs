//! The relay's background duties beside publishing: the stuck-order reconciler (orders PENDING
//! too long get their ORDER_CREATED published again, with the same event id, so downstream
//! deduplication holds) and retention (published outbox rows, processed events and idempotency
//! keys pruned in small batches after their windows).

use std::time::Duration;

use saga_core::ports::PruneCutoffs;
use saga_runtime::CancellationToken;
use saga_runtime::metrics as names;

use crate::{ReconcileConfig, RelayDeps, RetentionConfig};

/// Runs the reconciler and retention until `shutdown`.
pub(crate) async fn run(
    deps: &RelayDeps,
    reconcile: ReconcileConfig,
    retention: RetentionConfig,
    shutdown: &CancellationToken,
) {
    tokio::join!(
        every(reconcile.every, shutdown, || redrive(deps, reconcile)),
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

fn before(deps: &RelayDeps, window: Duration) -> time::OffsetDateTime {
    deps.clock.now() - window
}

async fn redrive(deps: &RelayDeps, config: ReconcileConfig) {
    let now = deps.clock.now();
    match deps
        .store
        .redrive_stuck(before(deps, config.stuck_after), now, config.batch)
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

async fn prune(deps: &RelayDeps, config: RetentionConfig) {
    // Small batches, one after another while there is a backlog: never one long statement.
    loop {
        let cutoffs = PruneCutoffs {
            outbox: before(deps, config.outbox),
            processed_events: before(deps, config.processed_events),
            idempotency_keys: before(deps, config.idempotency_keys),
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
        tokio::task::yield_now().await;
    }
}
