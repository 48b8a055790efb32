//! A component's health as its loops report it and its `/health` endpoint reads it: whether it
//! is connected to what it needs, and whether it is making progress on the work it has. A
//! component that has had work for longer than its stall limit without finishing any of it is
//! unhealthy, so an orchestrator restarts it — a loop retrying one record forever, or a call
//! hung on a black-holed connection, shows up here.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// How long a component may have work without progress before `/health` fails, unless
/// configured (`HEALTH_STALL_SECONDS`).
pub const DEFAULT_STALL_AFTER: Duration = Duration::from_secs(60);

#[derive(Debug)]
struct Inner {
    ready: AtomicBool,
    stall_after: Duration,
    /// Since when work has been waiting without progress; `None` when idle.
    waiting_since: Mutex<Option<Instant>>,
}

/// Readiness and progress of a component. Clones share the state.
#[derive(Debug, Clone)]
pub struct Health(Arc<Inner>);

impl Default for Health {
    fn default() -> Self {
        Self::with_stall_after(DEFAULT_STALL_AFTER)
    }
}

impl Health {
    pub fn new() -> Self {
        Self::default()
    }

    /// A health that reports a stall after `stall_after` of work without progress.
    pub fn with_stall_after(stall_after: Duration) -> Self {
        Self(Arc::new(Inner {
            ready: AtomicBool::new(false),
            stall_after,
            waiting_since: Mutex::new(None),
        }))
    }

    /// Whether the component is connected to what it needs.
    pub fn set(&self, ready: bool) {
        self.0.ready.store(ready, Ordering::Relaxed);
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.0.waiting_since.lock().expect("health lock poisoned")
    }

    /// There is work to do (kept from the first call until progress or idleness).
    pub fn busy(&self) {
        self.waiting().get_or_insert_with(Instant::now);
    }

    /// Some work was finished; more may be waiting.
    pub fn progressed(&self) {
        let mut waiting = self.waiting();
        if waiting.is_some() {
            *waiting = Some(Instant::now());
        }
    }

    /// Nothing is waiting.
    pub fn idle(&self) {
        *self.waiting() = None;
    }

    /// How long work has waited without progress, when longer than the stall limit.
    pub fn stalled_for(&self) -> Option<Duration> {
        let since = (*self.waiting())?;
        let waited = since.elapsed();
        (waited > self.0.stall_after).then_some(waited)
    }

    /// Connected and not stalled: what `/health` answers 200 for.
    pub fn is_ready(&self) -> bool {
        self.0.ready.load(Ordering::Relaxed) && self.stalled_for().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn work_without_progress_for_longer_than_the_limit_is_a_stall() {
        let health = Health::with_stall_after(Duration::from_secs(10));
        health.set(true);
        health.busy();
        tokio::time::advance(Duration::from_secs(9)).await;
        health.progressed();
        tokio::time::advance(Duration::from_secs(9)).await;
        assert!(health.is_ready(), "progress restarts the clock");
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(health.stalled_for(), Some(Duration::from_secs(11)));
        assert!(!health.is_ready());
        health.idle();
        assert!(health.is_ready(), "no work, no stall");
        tokio::time::advance(Duration::from_secs(60)).await;
        assert!(health.is_ready());
    }
}
