//! One seed, one run: the same seed replays to the same trace hash, on one thread or several,
//! and different seeds differ.

use sim::RunOptions;
use sim::sweep::sweep;

#[test]
fn tokio_scheduling_is_seeded() {
    // turmoil seeds each host's tokio runtime (and so `tokio::select!` inside axum and hyper)
    // only when tokio is built with `--cfg tokio_unstable`, which .cargo/config.toml sets.
    assert!(
        sim::tokio_seeded(),
        "built without --cfg tokio_unstable (a RUSTFLAGS variable overrides .cargo/config.toml): \
         tokio's select order would not follow the seed"
    );
}

#[test]
fn a_seed_replays_to_the_same_trace_hash() {
    let seeds = match std::env::var("SIM_SEED") {
        Ok(seed) => {
            let seed: u64 = seed.trim().parse().expect("SIM_SEED must be a seed number");
            seed..seed + 1
        }
        Err(_) => 0..6,
    };
    let first = sweep(seeds.clone(), 1, RunOptions::new, |_| {});
    let second = sweep(seeds.clone(), 2, RunOptions::new, |_| {});
    let hashes = |s: &sim::sweep::Summary| {
        s.reports
            .iter()
            .map(|r| (r.options.seed, r.hash))
            .collect::<Vec<_>>()
    };
    assert_eq!(hashes(&first), hashes(&second), "a replay diverged");
    let mut distinct: Vec<u64> = hashes(&first).into_iter().map(|(_, h)| h).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        first.reports.len(),
        "two seeds produced the same trace"
    );
}
