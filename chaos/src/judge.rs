//! The verdict: the system's real state read directly (bypassing Toxiproxy) — PostgreSQL
//! tables, Redis decisions, every topic and DLQ read to the end and the groups' offsets —
//! judged by the core checker, polled until it passes or the bounded wait for quiescence ends.

use std::collections::BTreeSet;
use std::time::Duration;

use saga_checker::{self as checker, Scope, Violation};
use saga_core::snapshot::{Acknowledged, Interference, SystemSnapshot};
use saga_postgres::PgConfig;
use saga_redis::{RedisConfig, RedisDecisionStore};

use crate::deployment::Deployment;
use crate::error::ChaosError;

/// Reads the deployment's whole durable state.
///
/// # Errors
/// When a backend cannot be read (it may still be restarting).
pub async fn snapshot(
    deployment: &Deployment,
    acknowledged: &[Acknowledged],
) -> Result<SystemSnapshot, ChaosError> {
    let mut pg = PgConfig::new(&deployment.database_direct);
    pg.connect_attempts = 1;
    let pool = pg
        .connect()
        .await
        .map_err(|e| ChaosError::backend("PostgreSQL", e))?;
    let read = saga_postgres::read_snapshot(&pool).await;
    pool.close().await;
    let pg = read.map_err(|e| ChaosError::backend("PostgreSQL", e))?;
    let mut redis = RedisConfig::new(&deployment.endpoints.redis_direct);
    redis.connect_attempts = 1;
    let conn = redis
        .connect()
        .await
        .map_err(|e| ChaosError::backend("Redis", e))?;
    let decisions = RedisDecisionStore::new(conn, deployment.decision_prefix())
        .snapshot()
        .await
        .map_err(|e| ChaosError::backend("Redis", e))?;
    let groups: Vec<&str> = saga_core::topic::CONSUMER_GROUPS
        .iter()
        .map(|(group, _)| *group)
        .collect();
    let bus = saga_kafka::read_snapshot(&deployment.kafka_direct(), &groups)
        .await
        .map_err(|e| ChaosError::backend("Kafka", e))?;
    Ok(SystemSnapshot {
        acknowledged: acknowledged.to_vec(),
        store: pg.store,
        decisions,
        deliveries: pg.deliveries,
        bus,
        interference: Default::default(),
    })
}

/// The outcome of waiting for quiescence.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// What still failed at the end (empty: every property holds).
    pub violations: Vec<Violation>,
    /// How long it took until every property held; `None` when it never did.
    pub quiesced_after: Option<Duration>,
    /// Acknowledged orders that were terminal in the last snapshot read.
    pub terminal: usize,
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
    let started = tokio::time::Instant::now();
    let mut last_error: Option<ChaosError>;
    let mut verdict = Verdict {
        violations: Vec::new(),
        quiesced_after: None,
        terminal: 0,
        status_changes: 0,
        unreadable: None,
    };
    loop {
        match snapshot(deployment, acknowledged).await {
            Ok(mut state) => {
                state.interference = interference.clone();
                last_error = None;
                verdict.terminal = terminal(&state);
                verdict.status_changes = state.store.status_changes.len();
                verdict.violations = checker::check(&state, Scope::SafetyAndLiveness);
                if verdict.violations.is_empty() {
                    verdict.quiesced_after = Some(started.elapsed());
                    return verdict;
                }
                if verdict.violations.iter().any(|v| !v.property.is_liveness()) {
                    return verdict;
                }
            }
            Err(error) => last_error = Some(error),
        }
        if started.elapsed() >= patience {
            verdict.unreadable = last_error.map(|e| e.to_string());
            return verdict;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
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
