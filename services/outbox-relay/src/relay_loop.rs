//! One relay round: claim, publish, mark. Repeats at once while rows keep coming, else waits
//! for a commit notification or the poll interval.

use saga_core::mutant::Mutant;
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
        if relay(&deps, &config, claim).await {
            health.progressed();
            backoff.reset();
        } else if !backoff.wait(&shutdown).await {
            break;
        }
    }
}

/// Publishes a claimed batch and marks it; false when it must be retried later.
async fn relay(deps: &RelayDeps, config: &RelayConfig, claim: Box<dyn OutboxClaim>) -> bool {
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
        })
        .collect();
    let created: Vec<_> = claim.records().iter().map(|r| r.created_at).collect();
    if config.mutant == Some(Mutant::MarkBeforePublish) {
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
