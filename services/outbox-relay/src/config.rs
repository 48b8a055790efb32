//! Outbox relay configuration: the relay itself, the stuck-order reconciler and retention, each
//! from the environment with a documented default.

use std::time::Duration;

use saga_core::redelivery::Window;
use saga_runtime::env::{self, EnvError};
use saga_runtime::health::DEFAULT_STALL_AFTER;

/// How the relay behaves.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Most rows claimed and published per round.
    pub batch_size: usize,
    /// Longest wait for a LISTEN/NOTIFY wake-up before polling anyway.
    pub poll_interval: Duration,
    /// `HEALTH_STALL_SECONDS` (60): claimed rows unpublished this long turn `/health` 503.
    pub stall_after: Duration,
    pub reconcile: ReconcileConfig,
    pub retention: RetentionConfig,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            batch_size: 256,
            poll_interval: Duration::from_millis(500),
            stall_after: DEFAULT_STALL_AFTER,
            reconcile: ReconcileConfig::default(),
            retention: RetentionConfig::default(),
        }
    }
}

impl RelayConfig {
    /// Reads `HEALTH_STALL_SECONDS`, `RECONCILE_*` and `*_RETENTION_SECONDS` from `lookup`.
    ///
    /// # Errors
    /// [`EnvError`] naming a malformed variable.
    pub fn from_vars(lookup: env::Lookup<'_>) -> Result<Self, EnvError> {
        let d = Self::default();
        Ok(Self {
            stall_after: env::seconds_in(lookup, "HEALTH_STALL_SECONDS", d.stall_after)?,
            reconcile: ReconcileConfig::from_vars(lookup)?,
            retention: RetentionConfig::from_vars(lookup)?,
            ..d
        })
    }
}

/// The stuck-order reconciler: orders PENDING for longer than `stuck_after` get their
/// ORDER_CREATED published again with the same event id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconcileConfig {
    /// `RECONCILE_INTERVAL_SECONDS` (10): how often it looks.
    pub every: Duration,
    /// `RECONCILE_STUCK_AFTER_SECONDS` (60): a PENDING order older than this is stuck (and is
    /// re-driven again, backing off, per `OrderStore::redrive_stuck`).
    pub stuck_after: Duration,
    /// Most orders re-driven per look.
    pub batch: usize,
}

impl Default for ReconcileConfig {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(10),
            stuck_after: Duration::from_secs(60),
            batch: 500,
        }
    }
}

impl ReconcileConfig {
    fn from_vars(lookup: env::Lookup<'_>) -> Result<Self, EnvError> {
        let d = Self::default();
        Ok(Self {
            every: env::seconds_in(lookup, "RECONCILE_INTERVAL_SECONDS", d.every)?,
            stuck_after: env::seconds_in(lookup, "RECONCILE_STUCK_AFTER_SECONDS", d.stuck_after)?,
            ..d
        })
    }
}

/// Retention: how long the relay keeps published outbox rows, processed-event records and
/// idempotency keys before pruning them in small batches. docs/configuration.md ("Retention,
/// and why each window is safe") says why each default is safe; [`RetentionConfig::check`]
/// refuses windows that are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionConfig {
    /// `RETENTION_INTERVAL_SECONDS` (60): how often pruning runs (0 turns retention off).
    pub every: Duration,
    /// `OUTBOX_RETENTION_SECONDS` (3600): published outbox rows older than this are deleted.
    pub outbox: Duration,
    /// `PROCESSED_EVENTS_RETENTION_SECONDS` (864000, 10 days): at least the redelivery window.
    pub processed_events: Duration,
    /// `IDEMPOTENCY_KEY_RETENTION_SECONDS` (86400): how long a retry with the same key is
    /// answered with the same order; at least [`MIN_IDEMPOTENCY_WINDOW`].
    pub idempotency_keys: Duration,
    /// Rows of each kind deleted per statement.
    pub batch: usize,
}

/// The shortest idempotency-key window docs/configuration.md promises clients.
pub const MIN_IDEMPOTENCY_WINDOW: Duration = Duration::from_secs(3600);

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(60),
            outbox: Duration::from_secs(3600),
            processed_events: Duration::from_secs(10 * 24 * 3600),
            idempotency_keys: Duration::from_secs(24 * 3600),
            batch: 1000,
        }
    }
}

/// A retention window that could let an event or a retry outlive its deduplication record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsafeRetention {
    #[error(
        "PROCESSED_EVENTS_RETENTION_SECONDS={window}: a payment event can be delivered again \
         for {redelivery} after it was processed; keep processed events at least that long"
    )]
    ProcessedEvents { window: u64, redelivery: String },
    #[error(
        "IDEMPOTENCY_KEY_RETENTION_SECONDS={window}: shorter than the {min} s clients are \
         promised that a retry returns the same order"
    )]
    IdempotencyKeys { window: u64, min: u64 },
}

impl RetentionConfig {
    fn from_vars(lookup: env::Lookup<'_>) -> Result<Self, EnvError> {
        let d = Self::default();
        Ok(Self {
            every: env::seconds_in(lookup, "RETENTION_INTERVAL_SECONDS", d.every)?,
            outbox: env::seconds_in(lookup, "OUTBOX_RETENTION_SECONDS", d.outbox)?,
            processed_events: env::seconds_in(
                lookup,
                "PROCESSED_EVENTS_RETENTION_SECONDS",
                d.processed_events,
            )?,
            idempotency_keys: env::seconds_in(
                lookup,
                "IDEMPOTENCY_KEY_RETENTION_SECONDS",
                d.idempotency_keys,
            )?,
            ..d
        })
    }

    /// Whether retention runs at all.
    pub fn enabled(&self) -> bool {
        !self.every.is_zero()
    }

    /// Refuses windows shorter than what they protect: `redelivery` is how long a payment
    /// event can still arrive after it was processed (`saga_core::redelivery`, for the
    /// `payments` topic). Published outbox rows need no floor: the relay never reads one
    /// again, and the ORDER_CREATED of a PENDING order (the reconciler's) is never pruned.
    ///
    /// # Errors
    /// [`UnsafeRetention`] naming the variable and the bound.
    pub fn check(&self, redelivery: &Window) -> Result<(), UnsafeRetention> {
        if !self.enabled() {
            return Ok(());
        }
        self.check_processed_events(redelivery)?;
        if self.idempotency_keys < MIN_IDEMPOTENCY_WINDOW {
            return Err(UnsafeRetention::IdempotencyKeys {
                window: self.idempotency_keys.as_secs(),
                min: MIN_IDEMPOTENCY_WINDOW.as_secs(),
            });
        }
        Ok(())
    }

    /// Whether processed events kept this long outlive `redelivery`.
    ///
    /// # Errors
    /// [`UnsafeRetention::ProcessedEvents`] with the window's breakdown.
    pub fn check_processed_events(&self, redelivery: &Window) -> Result<(), UnsafeRetention> {
        if redelivery.covered_by(self.processed_events) {
            return Ok(());
        }
        Err(UnsafeRetention::ProcessedEvents {
            window: self.processed_events.as_secs(),
            redelivery: redelivery.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use saga_core::redelivery::{WindowInputs, window};

    const DAY: Duration = Duration::from_secs(24 * 3600);

    /// The saga's topics: a week's retention, hour-long segments, a day's lag and republish age.
    fn saga_topics(retention: Duration) -> Window {
        window(&WindowInputs {
            retention: Some(retention),
            segment: Duration::from_secs(3600),
            offsets_retention: Some(DAY * 7),
            lag: DAY,
            republish: DAY,
        })
    }

    #[test]
    fn refuses_windows_shorter_than_what_they_protect() {
        let week = saga_topics(DAY * 7);
        assert_eq!(RetentionConfig::default().check(&week), Ok(()));
        let short = RetentionConfig {
            processed_events: DAY * 9,
            ..Default::default()
        };
        let Err(UnsafeRetention::ProcessedEvents { redelivery, .. }) = short.check(&week) else {
            panic!("nine days cannot cover a week's retention plus an hour and two days");
        };
        assert!(redelivery.contains("segment.ms 3600 s"), "{redelivery}");
        let keys = RetentionConfig {
            idempotency_keys: Duration::from_secs(60),
            ..Default::default()
        };
        assert!(matches!(
            keys.check(&week),
            Err(UnsafeRetention::IdempotencyKeys { .. })
        ));
        let off = RetentionConfig {
            every: Duration::ZERO,
            ..short
        };
        assert_eq!(off.check(&week), Ok(()));
    }
}
