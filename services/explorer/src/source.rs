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

/// A read of the saga's state slower than this is logged.
const SLOW_READ: Duration = Duration::from_secs(1);

#[derive(Clone)]
struct Cached {
    read: Instant,
    current: Current,
}

/// A [`SagaSource`] read at most once per `refresh`, arranged into [`Facts`] once per read.
///
/// Every read runs in a task of its own: a caller that gives up (a health probe's timeout, a
/// closed tab) does not cancel it, so a read slower than the caller's patience still lands in
/// the cache for the next caller. Cancelling it instead meant that a stack whose state took
/// longer to read than the probe waited (a cold Kafka creating its offsets topic) was never
/// seen healthy: every probe started a read and dropped it.
pub struct Snapshots {
    inner: Arc<Inner>,
}

struct Inner {
    source: Arc<dyn SagaSource>,
    clock: Arc<dyn Clock>,
    refresh: Duration,
    /// Held while reading, so concurrent callers share one read.
    reading: Mutex<()>,
    latest: std::sync::Mutex<Option<Cached>>,
}

impl Snapshots {
    pub fn new(source: Arc<dyn SagaSource>, clock: Arc<dyn Clock>, refresh: Duration) -> Self {
        let inner = Inner {
            source,
            clock,
            refresh,
            reading: Mutex::new(()),
            latest: std::sync::Mutex::new(None),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The facts as of at most `refresh` ago; concurrent callers share one read.
    pub async fn current(&self) -> Current {
        let inner = self.inner.clone();
        Self::finish(tokio::spawn(async move { inner.current().await })).await
    }

    /// Reads now, whatever the cache holds: after an action that changed the state.
    pub async fn fresh(&self) -> Current {
        let inner = self.inner.clone();
        Self::finish(tokio::spawn(async move { inner.fresh().await })).await
    }

    /// The last finished read without waiting for one (`None` before the first finished);
    /// starts a read in the background when it is older than `refresh`. For probes, which must
    /// answer at once however slow the backends are.
    pub fn peek(&self) -> Option<Current> {
        let latest = self.inner.latest();
        if latest
            .as_ref()
            .is_none_or(|c| c.read.elapsed() >= self.inner.refresh)
        {
            let inner = self.inner.clone();
            tokio::spawn(async move { inner.current().await });
        }
        latest.map(|c| c.current)
    }

    async fn finish(read: tokio::task::JoinHandle<Current>) -> Current {
        match read.await {
            Ok(current) => current,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => Current {
                facts: Arc::default(),
                error: Some(format!("the read was cancelled: {error}")),
            },
        }
    }
}

impl Inner {
    fn latest(&self) -> Option<Cached> {
        self.latest.lock().expect("snapshot cache lock").clone()
    }

    fn within_refresh(&self) -> Option<Current> {
        self.latest()
            .filter(|c| c.read.elapsed() < self.refresh)
            .map(|c| c.current)
    }

    async fn current(&self) -> Current {
        if let Some(current) = self.within_refresh() {
            return current;
        }
        let _reading = self.reading.lock().await;
        // A read that finished while this caller waited for the lock serves it too.
        if let Some(current) = self.within_refresh() {
            return current;
        }
        self.read().await
    }

    async fn fresh(&self) -> Current {
        let _reading = self.reading.lock().await;
        self.read().await
    }

    async fn read(&self) -> Current {
        let started = Instant::now();
        let read = self.source.snapshot().await;
        let took = started.elapsed();
        if took >= SLOW_READ {
            // Said, because probes and pages wait on it: the first thing to look at when the
            // explorer is reported unhealthy or slow.
            tracing::warn!(
                ?took,
                ok = read.is_ok(),
                "explorer: a slow read of the saga's state"
            );
        }
        let current = match read {
            Ok(snapshot) => {
                let facts = Facts::build(&snapshot, self.clock.now());
                Current {
                    facts: Arc::new(facts),
                    error: None,
                }
            }
            Err(error) => {
                tracing::warn!(%error, "explorer: cannot read the saga's state");
                let facts = self.latest().map(|c| c.current.facts);
                Current {
                    facts: facts.unwrap_or_default(),
                    error: Some(error.to_string()),
                }
            }
        };
        *self.latest.lock().expect("snapshot cache lock") = Some(Cached {
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
