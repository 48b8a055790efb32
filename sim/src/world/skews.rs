//! Each service host's clock error, set and cleared by `fault::clock`: what [`HostClock`]
//! adds to the simulated time that host reads through its clock port. Timers (turmoil's
//! sleeps) never see it, as a real process's monotonic timers do not see its wall clock move.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use saga_core::ports::Clock;
use time::OffsetDateTime;

use super::{SimClock, World};

/// One host's clock error since `since` (simulated time): a step of `jump_ms`, plus
/// `per_mille` thousandths of the time elapsed since.
#[derive(Debug, Clone, Copy)]
struct Skew {
    since: Duration,
    jump_ms: i64,
    per_mille: i64,
}

/// The clock error of every skewed host.
#[derive(Debug, Default)]
pub struct Skews(Mutex<BTreeMap<&'static str, Skew>>);

impl Skews {
    /// Puts `host`'s clock `jump_ms` off at `now` and makes it run `per_mille` fast from then.
    pub fn set(&self, host: &'static str, now: Duration, jump_ms: i64, per_mille: i64) {
        let skew = Skew {
            since: now,
            jump_ms,
            per_mille,
        };
        self.0
            .lock()
            .expect("skews lock poisoned")
            .insert(host, skew);
    }

    /// Sets `host`'s clock right again.
    pub fn clear(&self, host: &str) {
        self.0.lock().expect("skews lock poisoned").remove(host);
    }

    /// How far `host`'s clock is off at simulated time `now`.
    pub fn offset(&self, host: &str, now: Duration) -> time::Duration {
        let skews = self.0.lock().expect("skews lock poisoned");
        let Some(skew) = skews.get(host) else {
            return time::Duration::ZERO;
        };
        let elapsed = i64::try_from(now.saturating_sub(skew.since).as_millis()).unwrap_or(0);
        time::Duration::milliseconds(skew.jump_ms + elapsed * skew.per_mille / 1000)
    }
}

/// The wall clock of one service host: the simulated clock plus the host's skew.
pub struct HostClock {
    pub world: Arc<World>,
    pub host: &'static str,
}

impl Clock for HostClock {
    fn now(&self) -> OffsetDateTime {
        let elapsed = turmoil::sim_elapsed().unwrap_or(Duration::ZERO);
        SimClock.now() + self.world.skews.offset(self.host, elapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jump_holds_and_a_drift_grows_until_cleared() {
        let skews = Skews::default();
        let at = |ms| Duration::from_millis(ms);
        skews.set("relay", at(1_000), -90_000, 0);
        skews.set("gateway", at(1_000), 0, 500);
        assert_eq!(
            skews.offset("relay", at(5_000)),
            time::Duration::seconds(-90)
        );
        assert_eq!(
            skews.offset("gateway", at(3_000)),
            time::Duration::seconds(1)
        );
        assert_eq!(skews.offset("order-api", at(3_000)), time::Duration::ZERO);
        skews.clear("relay");
        assert_eq!(skews.offset("relay", at(6_000)), time::Duration::ZERO);
    }
}
