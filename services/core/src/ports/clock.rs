//! Wall-clock time as a port, so the simulation can run on a fixed epoch plus simulated time.
//! Durations and sleeps use `tokio::time`, which the simulation already controls.

use std::sync::Mutex;

use time::OffsetDateTime;

/// Where timestamps come from.
pub trait Clock: Send + Sync + 'static {
    /// The current time in UTC. MUST be monotonic non-decreasing within one process.
    fn now(&self) -> OffsetDateTime;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to; for tests.
#[derive(Debug)]
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    pub fn new(at: OffsetDateTime) -> Self {
        Self(Mutex::new(at))
    }

    pub fn advance(&self, by: std::time::Duration) {
        let mut now = self.0.lock().unwrap();
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}
