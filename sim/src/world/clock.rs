//! Wall-clock time in the simulation: a fixed epoch plus simulated time, so timestamps are part
//! of the deterministic run.

use std::time::Duration;

use saga_core::ports::Clock;
use time::OffsetDateTime;

/// 2025-01-01T00:00:00Z: when every simulated run starts.
pub const EPOCH: OffsetDateTime = time::macros::datetime!(2025-01-01 00:00:00 UTC);

/// The epoch plus the simulated time elapsed so far.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimClock;

impl Clock for SimClock {
    fn now(&self) -> OffsetDateTime {
        EPOCH + turmoil::sim_elapsed().unwrap_or(Duration::ZERO)
    }
}
