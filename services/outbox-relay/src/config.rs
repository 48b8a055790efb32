//! Outbox relay configuration.

use std::time::Duration;

use saga_core::mutant::Mutant;

/// How the relay behaves.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Most rows claimed and published per round.
    pub batch_size: usize,
    /// Longest wait for a LISTEN/NOTIFY wake-up before polling anyway.
    pub poll_interval: Duration,
    /// A deliberate bug for the simulation harness; only Rust code sets it.
    pub mutant: Option<Mutant>,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            batch_size: 256,
            poll_interval: Duration::from_millis(500),
            mutant: None,
        }
    }
}
