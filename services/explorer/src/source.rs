//! Where the explorer reads the saga: a [`SagaSource`] gives the same [`SystemSnapshot`] the
//! invariant checker judges (the memory adapters' own snapshots in the demo, the PostgreSQL,
//! Kafka and Redis snapshot readers on the real stack), and [`Snapshots`] reads it at most once
//! per refresh interval however many pages are open.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use saga_core::ports::{Clock, PortError};
use saga_core::snapshot::SystemSnapshot;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::view::Facts;

/// Reads the saga's whole durable state.
#[async_trait]
pub trait SagaSource: Send + Sync + 'static {
    /// Everything the stores and topics hold now, as the checker reads it (no acknowledged
    /// orders: the explorer is not a client).
    ///
    /// # Errors
    /// [`PortError`] naming the backend that could not be read.
    async fn snapshot(&self) -> Result<SystemSnapshot, PortError>;
}

/// What a page is drawn from: the latest facts, and why they may be stale.
#[derive(Debug, Clone)]
pub struct Current {
    pub facts: Arc<Facts>,
    /// The last read failed: the facts are from the read before (or empty), and this says why.
    pub error: Option<String>,
}

struct Cached {
    read: Instant,
    current: Current,
}

/// A [`SagaSource`] read at most once per `refresh`, arranged into [`Facts`] once per read.
pub struct Snapshots {
    source: Arc<dyn SagaSource>,
    clock: Arc<dyn Clock>,
    refresh: Duration,
    cached: Mutex<Option<Cached>>,
}

impl Snapshots {
    pub fn new(source: Arc<dyn SagaSource>, clock: Arc<dyn Clock>, refresh: Duration) -> Self {
        Self {
            source,
            clock,
            refresh,
            cached: Mutex::new(None),
        }
    }

    /// The facts as of at most `refresh` ago; concurrent callers share one read.
    pub async fn current(&self) -> Current {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref().filter(|c| c.read.elapsed() < self.refresh) {
            return c.current.clone();
        }
        self.read(&mut cached).await
    }

    /// Reads now, whatever the cache holds: after an action that changed the state.
    pub async fn fresh(&self) -> Current {
        let mut cached = self.cached.lock().await;
        self.read(&mut cached).await
    }

    async fn read(&self, cached: &mut Option<Cached>) -> Current {
        let current = match self.source.snapshot().await {
            Ok(snapshot) => {
                let facts = Facts::build(&snapshot, self.clock.now());
                Current {
                    facts: Arc::new(facts),
                    error: None,
                }
            }
            Err(error) => {
                tracing::warn!(%error, "explorer: cannot read the saga's state");
                let facts = cached.as_ref().map(|c| c.current.facts.clone());
                Current {
                    facts: facts.unwrap_or_default(),
                    error: Some(error.to_string()),
                }
            }
        };
        *cached = Some(Cached {
            read: Instant::now(),
            current: current.clone(),
        });
        current
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use saga_core::ports::FixedClock;
    use time::macros::datetime;

    use super::*;

    struct Counting(AtomicUsize);

    #[async_trait]
    impl SagaSource for Counting {
        async fn snapshot(&self) -> Result<SystemSnapshot, PortError> {
            match self.0.fetch_add(1, Ordering::SeqCst) {
                1 => Err(PortError::unavailable("PostgreSQL", "connection refused")),
                _ => Ok(SystemSnapshot::default()),
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn reads_once_per_refresh_and_keeps_the_last_good_read_on_error() {
        let source = Arc::new(Counting(AtomicUsize::new(0)));
        let clock = Arc::new(FixedClock::new(datetime!(2026-11-25 10:00 UTC)));
        let snapshots = Snapshots::new(source.clone(), clock, Duration::from_secs(2));
        let first = snapshots.current().await;
        assert!(first.error.is_none());
        snapshots.current().await;
        assert_eq!(
            source.0.load(Ordering::SeqCst),
            1,
            "second page within 2 s reads nothing"
        );

        tokio::time::advance(Duration::from_secs(2)).await;
        let failed = snapshots.current().await;
        assert_eq!(source.0.load(Ordering::SeqCst), 2);
        let error = failed.error.expect("the failed read is reported");
        assert!(error.contains("PostgreSQL"), "{error}");
        assert!(
            Arc::ptr_eq(&failed.facts, &first.facts),
            "the last good facts are kept"
        );

        let fresh = snapshots.fresh().await;
        assert!(fresh.error.is_none());
        assert_eq!(
            source.0.load(Ordering::SeqCst),
            3,
            "fresh reads whatever the cache holds"
        );
    }
}
