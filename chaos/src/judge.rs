//! The verdict: the deployment's real state read directly (bypassing Toxiproxy) — PostgreSQL
//! tables, Redis decisions, every topic and DLQ read to the end and the groups' offsets —
//! judged by the checker, polled until it passes or the bounded wait for quiescence ends.

use std::collections::BTreeSet;
use std::time::Duration;

use saga_checker::Violation;
use saga_core::snapshot::{Acknowledged, Interference, SystemSnapshot};

use crate::deployment::Deployment;

/// The outcome of waiting for quiescence.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// What still failed at the end (empty: every property holds).
    pub violations: Vec<Violation>,
    /// How long it took until every property held; `None` when it never did.
    pub quiesced_after: Option<Duration>,
    /// Acknowledged orders that were terminal in the last snapshot read.
    pub terminal: usize,
    /// Acknowledged orders still PENDING that the scenario made unprocessable (the saga may
    /// leave them so: their data can never be handled).
    pub quarantined: usize,
    /// Status changes in the last snapshot's history, each judged by the checker.
    pub status_changes: usize,
    /// Why the state could not be read at the end, if it could not (a failure too).
    pub unreadable: Option<String>,
}

/// Polls the checker until every property holds, a safety property fails (no waiting fixes
/// that), or `patience` runs out.
pub async fn quiesce(
    deployment: &Deployment,
    acknowledged: &[Acknowledged],
    interference: &Interference,
    patience: Duration,
) -> Verdict {
    let state = deployment.state();
    let read = || async {
        let mut snapshot = state.read(acknowledged).await?;
        snapshot.interference = interference.clone();
        Ok::<_, saga_harness::Unreadable>(snapshot)
    };
    let settled = saga_checker::settle(read, patience, Duration::from_millis(500)).await;
    Verdict {
        violations: settled.violations,
        quiesced_after: settled.after,
        terminal: settled.last.as_ref().map_or(0, terminal),
        quarantined: settled.last.as_ref().map_or(0, quarantined),
        status_changes: settled
            .last
            .as_ref()
            .map_or(0, |s| s.store.status_changes.len()),
        unreadable: settled.unreadable.map(|e| e.to_string()),
    }
}

fn terminal(state: &SystemSnapshot) -> usize {
    let acknowledged: BTreeSet<_> = state.acknowledged.iter().map(|a| a.order_id).collect();
    state
        .store
        .orders
        .iter()
        .filter(|o| acknowledged.contains(&o.id) && o.status.is_terminal())
        .count()
}

fn quarantined(state: &SystemSnapshot) -> usize {
    let acknowledged: BTreeSet<_> = state.acknowledged.iter().map(|a| a.order_id).collect();
    let excused = &state.interference.quarantined;
    state
        .store
        .orders
        .iter()
        .filter(|o| acknowledged.contains(&o.id) && !o.status.is_terminal())
        .filter(|o| excused.contains(&o.id))
        .count()
}
