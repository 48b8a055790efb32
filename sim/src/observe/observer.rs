//! The observer every host reports to: it timestamps each event with simulated time, appends it
//! to the trace, folds it into the trace hash, and feeds the monitor and the coverage counters.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

use saga_core::fnv::Fnv1a;

use super::{Coverage, Event, Monitor};

/// One line of the trace.
#[derive(Debug, Clone, Serialize)]
pub struct TraceLine {
    /// Simulated time since the start, microseconds.
    pub at_us: u64,
    pub host: &'static str,
    pub event: Event,
}

struct Inner {
    trace: Vec<TraceLine>,
    /// Over the trace's text, so the hash is the same on every platform and toolchain.
    hash: Fnv1a,
    monitor: Monitor,
    coverage: Coverage,
    /// The driver's notion of now, for events it reports from outside any host.
    driver_now: Duration,
    /// The driver is applying faults: whatever reports now (a session dropped by a crash
    /// included) is stamped with the driver's time, since turmoil's host clocks are only
    /// meaningful inside a step.
    driving: bool,
}

/// Shared by every host of one simulation (all on one thread).
pub struct Observer(Mutex<Inner>);

impl Default for Observer {
    fn default() -> Self {
        Self(Mutex::new(Inner {
            trace: Vec::new(),
            hash: Fnv1a::new(),
            monitor: Monitor::default(),
            coverage: Coverage::default(),
            driver_now: Duration::ZERO,
            driving: false,
        }))
    }
}

impl Observer {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().expect("observer lock poisoned")
    }

    /// The driver's notion of now (the simulated time of the step it is between).
    pub fn driver_now(&self) -> Duration {
        self.lock().driver_now
    }

    pub fn set_driver_now(&self, now: Duration) {
        self.lock().driver_now = now;
    }

    /// Runs `f` (the driver applying faults between steps) with events stamped at driver time.
    pub fn driving<R>(&self, f: impl FnOnce() -> R) -> R {
        self.lock().driving = true;
        let result = f();
        self.lock().driving = false;
        result
    }

    /// Records `event` as reported by `host`.
    pub fn emit(&self, host: &'static str, event: Event) {
        let mut inner = self.lock();
        let at = match inner.driving {
            true => inner.driver_now,
            false => turmoil::sim_elapsed().unwrap_or(inner.driver_now),
        };
        let at_us = at.as_micros() as u64;
        let _ = writeln!(inner.hash, "{at_us} {host} {event:?}");
        inner.monitor.observe(&event);
        inner.coverage.observe(&event);
        inner.trace.push(TraceLine { at_us, host, event });
    }

    pub fn hash(&self) -> u64 {
        self.lock().hash.finish()
    }

    pub fn with_coverage<R>(&self, f: impl FnOnce(&mut Coverage) -> R) -> R {
        f(&mut self.lock().coverage)
    }

    pub fn with_monitor<R>(&self, f: impl FnOnce(&Monitor) -> R) -> R {
        f(&self.lock().monitor)
    }

    pub fn with_trace<R>(&self, f: impl FnOnce(&[TraceLine]) -> R) -> R {
        f(&self.lock().trace)
    }

    /// The trace so far, leaving it empty.
    pub fn take_trace(&self) -> Vec<TraceLine> {
        std::mem::take(&mut self.lock().trace)
    }

    pub fn has_violation(&self) -> bool {
        !self.lock().monitor.is_clean()
    }
}
