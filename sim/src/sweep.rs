//! Many seeds on several threads: each simulation runs entirely on one thread (turmoil's world
//! is thread-local), so seeds are independent and the results do not depend on `jobs`.

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::observe::Coverage;
use crate::run::run;
use crate::{RunOptions, RunReport};

/// Stack for simulation threads: a whole service stack's futures nest deeply in debug builds.
const STACK: usize = 64 * 1024 * 1024;

/// What a sweep found.
#[derive(Debug)]
pub struct Summary {
    /// Every run, in seed order (traces dropped unless the run failed).
    pub reports: Vec<RunReport>,
    pub coverage: Coverage,
    pub wall_time: Duration,
}

impl Summary {
    pub fn failures(&self) -> impl Iterator<Item = &RunReport> {
        self.reports.iter().filter(|r| !r.passed())
    }

    pub fn seeds_per_second(&self) -> f64 {
        self.reports.len() as f64 / self.wall_time.as_secs_f64().max(1e-9)
    }

    pub fn orders_per_second(&self) -> f64 {
        let orders: usize = self.reports.iter().map(|r| r.acknowledged).sum();
        orders as f64 / self.wall_time.as_secs_f64().max(1e-9)
    }
}

/// Runs every seed of `seeds` on `jobs` threads; `progress` sees each report as it finishes.
pub fn sweep(
    seeds: Range<u64>,
    jobs: usize,
    options: impl Fn(u64) -> RunOptions + Sync,
    progress: impl Fn(&RunReport) + Sync,
) -> Summary {
    let started = Instant::now();
    let next = AtomicU64::new(seeds.start);
    let done = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            std::thread::Builder::new()
                .stack_size(STACK)
                .spawn_scoped(scope, || {
                    loop {
                        let seed = next.fetch_add(1, Ordering::Relaxed);
                        if seed >= seeds.end {
                            return;
                        }
                        let report = run(&options(seed));
                        progress(&report);
                        done.lock().expect("results lock poisoned").push(report);
                    }
                })
                .expect("spawn a simulation thread");
        }
    });
    let mut reports = done.into_inner().expect("results lock poisoned");
    reports.sort_by_key(|r| r.options.seed);
    let mut coverage = Coverage::default();
    for report in &reports {
        coverage.merge(&report.coverage);
    }
    Summary {
        reports,
        coverage,
        wall_time: started.elapsed(),
    }
}

/// Runs one seed on a thread with a large stack (the CLI and tests use this for single runs).
pub fn run_one(options: RunOptions) -> RunReport {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || run(&options))
        .expect("spawn a simulation thread")
        .join()
        .expect("the simulation thread panicked")
}
