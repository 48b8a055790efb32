//! The default sweep: 100 seeds with the full fault mix must all pass, and together they must
//! make every fault class and every tricky interleaving happen at least once.
//!
//! `SIM_SEED=N cargo test -p sim` replays seed N alone (and prints it); `SIM_SEEDS=A..B` sweeps
//! another range.

use std::ops::Range;
use std::sync::OnceLock;

use sim::RunOptions;
use sim::sweep::{Summary, run_one, sweep};

fn single_seed() -> Option<u64> {
    let text = std::env::var("SIM_SEED").ok()?;
    Some(text.trim().parse().expect("SIM_SEED must be a seed number"))
}

fn seeds() -> Range<u64> {
    let Ok(text) = std::env::var("SIM_SEEDS") else {
        return 0..100;
    };
    let (a, b) = text
        .split_once("..")
        .expect("SIM_SEEDS must look like A..B");
    a.parse().expect("SIM_SEEDS start")..b.parse().expect("SIM_SEEDS end")
}

/// Seeds that failed a long sweep once, each for a bug since fixed (named in the comment where
/// the fix is): they run with every default sweep. Their schedules belong to the code of their
/// day, so they guard that code's interleavings, not every future one.
const FOUND_BY_LONG_SWEEPS: &[u64] = &[
    // A commit refused by a rebalance dropped records fetched after it
    // (sim/src/adapters/consumer.rs, `commit`).
    2022, 2039, 2609, 4204, 6251, 7568, 7627, 9149,
];

#[test]
#[cfg_attr(
    not(tokio_unstable),
    ignore = "runs in the seeded build: sim/tests/seeded.rs"
)]
fn the_seeds_long_sweeps_found_pass() {
    for &seed in FOUND_BY_LONG_SWEEPS {
        let report = run_one(RunOptions::new(seed));
        assert!(report.passed(), "seed {seed} failed:\n{report}");
    }
}

fn default_sweep() -> &'static Summary {
    static SUMMARY: OnceLock<Summary> = OnceLock::new();
    SUMMARY.get_or_init(|| sweep(seeds(), 2, RunOptions::new, |_| {}))
}

#[test]
#[cfg_attr(
    not(tokio_unstable),
    ignore = "runs in the seeded build: sim/tests/seeded.rs"
)]
fn every_seed_of_the_default_sweep_passes() {
    if let Some(seed) = single_seed() {
        let report = run_one(RunOptions {
            keep_trace: true,
            ..RunOptions::new(seed)
        });
        print!("{report}{}", report.schedule);
        assert!(report.passed(), "seed {seed} failed:\n{report}");
        return;
    }
    let summary = default_sweep();
    let failures: Vec<String> = summary.failures().map(ToString::to_string).collect();
    assert!(
        failures.is_empty(),
        "{} of {} seeds failed:\n{}",
        failures.len(),
        summary.reports.len(),
        failures.join("\n")
    );
    assert!(
        summary.reports.iter().all(|r| r.acknowledged > 0),
        "a seed acknowledged no order"
    );
}

#[test]
#[cfg_attr(
    not(tokio_unstable),
    ignore = "runs in the seeded build: sim/tests/seeded.rs"
)]
fn every_fault_class_and_interleaving_fires_in_the_default_sweep() {
    if single_seed().is_some() {
        return;
    }
    let summary = default_sweep();
    let missing: Vec<&str> = summary
        .coverage
        .missing(&sim::fault::Mix::survivable())
        .iter()
        .map(|s| s.name())
        .collect();
    assert!(
        missing.is_empty(),
        "never fired in seeds {:?}: {missing:?}",
        seeds()
    );
}
