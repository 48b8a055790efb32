//! What one run plays: the seed, the workload's size, the mutant, the fault classes, which faults of the seed's
//! schedule to keep, and how long the system gets to quiesce after heal.

use std::time::Duration;

use saga_core::mutant::Mutant;

use crate::fault::Mix;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub seed: u64,
    pub orders: usize,
    pub mutant: Option<Mutant>,
    /// The fault classes played.
    pub faults: Mix,
    /// Keep only these faults of the seed's schedule (indices into it); all when `None`.
    pub keep: Option<Vec<usize>>,
    /// How long after heal the system has to become quiescent.
    pub liveness_bound: Duration,
    /// Keep the full trace in the report.
    pub keep_trace: bool,
}

impl RunOptions {
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            orders: 100,
            mutant: None,
            faults: Mix::survivable(),
            keep: None,
            liveness_bound: Duration::from_secs(40),
            keep_trace: false,
        }
    }
}
