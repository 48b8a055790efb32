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

/// Another clock moved by a fixed offset: a host whose clock runs ahead (positive) or behind
/// (negative), configured (`CLOCK_OFFSET_MS` on the real stack) so a deployment can be tested
/// against the skew its hosts' clocks may really have. A fixed offset keeps the inner clock's
/// monotonicity.
pub struct OffsetClock {
    inner: std::sync::Arc<dyn Clock>,
    offset: time::Duration,
}

impl OffsetClock {
    pub fn new(inner: std::sync::Arc<dyn Clock>, offset: time::Duration) -> Self {
        Self { inner, offset }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> OffsetDateTime {
        self.inner.now() + self.offset
    }
}

/// Another clock running fast (positive) or slow (negative) by `per_mille` thousandths of the
/// time elapsed since it was made: a host whose clock drifts, configured
/// (`CLOCK_DRIFT_PER_MILLE` on the real stack) from the process's start. The error grows in
/// whole milliseconds, as the simulation's skewed host clocks do. Monotonic while
/// `per_mille > -1000` (the clock still moves forward) and the inner clock is.
pub struct DriftClock {
    inner: std::sync::Arc<dyn Clock>,
    since: OffsetDateTime,
    per_mille: i64,
}

impl DriftClock {
    pub fn new(inner: std::sync::Arc<dyn Clock>, per_mille: i64) -> Self {
        let since = inner.now();
        Self {
            inner,
            since,
            per_mille,
        }
    }
}

impl Clock for DriftClock {
    fn now(&self) -> OffsetDateTime {
        let now = self.inner.now();
        let elapsed_ms = i64::try_from((now - self.since).whole_milliseconds()).unwrap_or(0);
        now + time::Duration::milliseconds(elapsed_ms * self.per_mille / 1000)
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn an_offset_clock_runs_ahead_or_behind_its_inner_clock_by_the_offset() {
        let at = time::macros::datetime!(2026-12-05 12:00 UTC);
        let inner = Arc::new(FixedClock::new(at));
        let ahead = OffsetClock::new(inner.clone(), time::Duration::milliseconds(1_500));
        let behind = OffsetClock::new(inner.clone(), time::Duration::seconds(-90));
        assert_eq!(ahead.now(), at + time::Duration::milliseconds(1_500));
        assert_eq!(behind.now(), at - time::Duration::seconds(90));
        inner.advance(std::time::Duration::from_secs(1));
        assert_eq!(ahead.now(), at + time::Duration::milliseconds(2_500));
    }

    #[test]
    fn a_drifting_clock_gains_or_loses_its_thousandths_of_the_time_since_it_was_made() {
        let at = time::macros::datetime!(2026-12-05 12:00 UTC);
        let inner = Arc::new(FixedClock::new(at));
        let fast = DriftClock::new(inner.clone(), 250);
        let slow = DriftClock::new(inner.clone(), -500);
        assert_eq!(fast.now(), at);
        inner.advance(std::time::Duration::from_secs(4));
        assert_eq!(fast.now(), at + time::Duration::seconds(5));
        assert_eq!(slow.now(), at + time::Duration::seconds(2));
    }
}
