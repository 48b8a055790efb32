//! `sim sweep --seeds A..B [--jobs N]`.

use std::sync::Mutex;
use std::time::Instant;

use sim::RunOptions;

#[derive(clap::Args)]
pub struct Args {
    /// Seeds to run, `A..B` (B exclusive).
    #[arg(long, value_parser = super::parse_seeds, default_value = "0..100")]
    seeds: std::ops::Range<u64>,
    /// Threads; defaults to the number of cores.
    #[arg(long)]
    jobs: Option<usize>,
    /// Orders per seed.
    #[arg(long, default_value_t = 100)]
    orders: usize,
    /// Print every seed's trace hash (to compare two sweeps seed by seed).
    #[arg(long)]
    hashes: bool,
    /// Run with a mutant switched on.
    #[arg(long, value_parser = super::parse_mutant)]
    mutant: Option<saga_core::mutant::Mutant>,
    /// Fault classes to play: `all`, a list such as `crash,poison`, or `all,-forgery`.
    #[arg(long, value_parser = super::parse_faults)]
    faults: Option<sim::fault::Mix>,
}

/// The sweep so far, for the progress lines.
struct Progress {
    done: u64,
    failed: u64,
    printed_at: Instant,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let jobs = args.jobs.unwrap_or_else(super::default_jobs);
    let mix = super::faults(args.faults.clone());
    let total = args.seeds.end - args.seeds.start;
    eprintln!(
        "sweeping {total} seeds on {jobs} threads, {} orders each, faults: {mix}",
        args.orders
    );
    let started = Instant::now();
    let progress = Mutex::new(Progress {
        done: 0,
        failed: 0,
        printed_at: Instant::now(),
    });
    let summary = sim::sweep::sweep(
        args.seeds.clone(),
        jobs,
        |seed| RunOptions {
            orders: args.orders,
            mutant: args.mutant,
            faults: mix.clone(),
            ..RunOptions::new(seed)
        },
        |report| {
            let mut p = progress.lock().expect("progress lock");
            p.done += 1;
            if !report.passed() {
                p.failed += 1;
                eprintln!(
                    "seed {} FAILED: {}",
                    report.options.seed,
                    report.replay_command()
                );
            }
            if p.printed_at.elapsed().as_secs_f64() >= 2.0 || p.done == total {
                let rate = p.done as f64 / started.elapsed().as_secs_f64();
                eprintln!(
                    "  [{:>6}/{total}] {rate:.1} seeds/s, {} failed",
                    p.done, p.failed
                );
                p.printed_at = Instant::now();
            }
        },
    );
    let failures: Vec<_> = summary.failures().collect();
    for report in &failures {
        println!("{report}");
    }
    println!("coverage over the sweep:");
    for signal in sim::observe::Signal::ALL {
        let count = summary.coverage.count(signal);
        match signal.class() {
            Some(class) if !mix.contains(class) => {
                println!(
                    "  {:<34} {count} (class {} not played)",
                    signal.name(),
                    class.name()
                );
            }
            _ => println!("  {:<34} {count}", signal.name()),
        }
    }
    let missing: Vec<&str> = summary
        .coverage
        .missing(&mix)
        .iter()
        .map(|s| s.name())
        .collect();
    if missing.is_empty() {
        println!("every coverage counter of the mix fired");
    } else {
        println!("NEVER FIRED: {}", missing.join(", "));
    }
    let sim_secs: f64 = summary
        .reports
        .iter()
        .map(|r| r.sim_time.as_secs_f64())
        .sum();
    if args.hashes {
        for report in &summary.reports {
            println!("seed {} hash {:016x}", report.options.seed, report.hash);
        }
    }
    // One number for the whole sweep: equal digests mean every seed replayed identically.
    let mut digest = saga_core::fnv::Fnv1a::new();
    for report in &summary.reports {
        digest.word(report.hash ^ report.options.seed);
    }
    let digest = digest.finish();
    println!("sweep digest {digest:016x} (over every seed's trace hash)");
    if let Some(longest) = summary.reports.iter().max_by_key(|r| r.sim_time) {
        println!(
            "simulated time per seed: mean {:.1}s, longest {:.1}s (seed {})",
            sim_secs / summary.reports.len() as f64,
            longest.sim_time.as_secs_f64(),
            longest.options.seed
        );
    }
    println!(
        "{} seeds, {} failed, {:.1}s wall on {jobs} threads: {:.1} seeds/s ({:.1} per thread), \
         {:.0} simulated orders/s, {:.0}x real time",
        summary.reports.len(),
        failures.len(),
        summary.wall_time.as_secs_f64(),
        summary.seeds_per_second(),
        summary.seeds_per_second() / jobs as f64,
        summary.orders_per_second(),
        sim_secs / summary.wall_time.as_secs_f64(),
    );
    // A sweep too short to exercise every class proves nothing about the missing ones; from
    // 100 seeds on, a counter that never fired is a failure.
    if !missing.is_empty() && total >= 100 {
        anyhow::bail!("coverage counters never fired: {}", missing.join(", "));
    }
    if !failures.is_empty() {
        anyhow::bail!(
            "{} of {} seeds failed",
            failures.len(),
            summary.reports.len()
        );
    }
    Ok(())
}
