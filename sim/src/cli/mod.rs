//! The command line: `sweep`, `replay`, `shrink`, `mutants`.

mod mutants;
mod replay;
mod shrink;
mod sweep;

use sim::mutants::MutantName;
use std::ops::Range;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use saga_core::mutant::Mutant;

#[derive(Parser)]
#[command(name = "sim", about = "Deterministic simulation of the order saga")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run many seeds; print failures, coverage, seeds/s and simulated orders/s.
    Sweep(sweep::Args),
    /// Play one seed again: verdict, schedule, trace hash; optionally the trace as JSON lines.
    Replay(replay::Args),
    /// Reduce a failing seed's fault schedule to the fewest faults that still fail.
    Shrink(shrink::Args),
    /// Run every mutant until the harness catches it; exit 0 only if all are caught.
    Mutants(mutants::Args),
}

pub fn main() -> anyhow::Result<()> {
    if !sim::tokio_seeded() {
        return run_seeded();
    }
    match Cli::parse().command {
        Command::Sweep(args) => sweep::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Shrink(args) => shrink::run(args),
        Command::Mutants(args) => mutants::run(args),
    }
}

/// This binary was built without the seeded build's flags (`cargo run -p sim`, not
/// `scripts/sim`), so no seed would replay: run the same command from the seeded release build
/// in `target/sim` instead (built on first use: minutes), so `cargo run --release -p sim -- …`
/// keeps working as documented.
fn run_seeded() -> anyhow::Result<()> {
    let workspace = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    if !std::path::Path::new(workspace).exists() {
        bail!(
            "this sim was built without {} (sim::seeded), so no seed would replay, and its \
             source tree is gone: build it with scripts/sim",
            sim::seeded::RUSTFLAGS
        );
    }
    eprintln!(
        "sim: running the seeded build ({}; RUSTFLAGS=\"{}\", built on first use)",
        sim::seeded::target_dir().display(),
        sim::seeded::RUSTFLAGS
    );
    let status = sim::seeded::cargo()
        .args(["run", "--release", "-q", "-p", "sim", "--"])
        .args(std::env::args_os().skip(1))
        .status()
        .context("cargo runs the seeded build")?;
    std::process::exit(status.code().unwrap_or(1));
}

/// `A..B` (B exclusive) or a single seed `A`.
fn parse_seeds(text: &str) -> anyhow::Result<Range<u64>> {
    match text.split_once("..") {
        Some((a, b)) => {
            let range =
                a.parse().context("seed range start")?..b.parse().context("seed range end")?;
            if range.is_empty() {
                bail!("empty seed range {text}");
            }
            Ok(range)
        }
        None => {
            let seed: u64 = text.parse().context("seed")?;
            Ok(seed..seed + 1)
        }
    }
}

fn parse_mutant(name: &str) -> anyhow::Result<Mutant> {
    Mutant::ALL
        .into_iter()
        .find(|m| m.name() == name)
        .with_context(|| {
            let names: Vec<_> = Mutant::ALL.iter().map(|m| m.name()).collect();
            format!("unknown mutant {name:?}; one of {}", names.join(", "))
        })
}

fn parse_faults(text: &str) -> anyhow::Result<sim::fault::Mix> {
    sim::fault::Mix::parse(text).map_err(anyhow::Error::msg)
}

/// The mix a command plays: `--faults`, else everything but the classes awaiting fixes.
fn faults(arg: Option<sim::fault::Mix>) -> sim::fault::Mix {
    arg.unwrap_or_else(|| {
        let mix = sim::fault::Mix::survivable();
        let left_out: Vec<&str> = sim::fault::AWAITING_FIXES
            .iter()
            .map(|c| c.name())
            .collect();
        if !left_out.is_empty() {
            eprintln!(
                "fault classes left out until their fixes land: {} (--faults all plays them)",
                left_out.join(", ")
            );
        }
        mix
    })
}

/// `none` or a comma-separated list of schedule indices.
fn parse_keep(text: &str) -> anyhow::Result<Vec<usize>> {
    if text == "none" {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|i| {
            i.trim()
                .parse()
                .with_context(|| format!("fault index {i:?}"))
        })
        .collect()
}

/// Writes `report` as an HTML page to `path` and says where.
fn write_page(report: &sim::RunReport, path: &std::path::Path) -> anyhow::Result<()> {
    std::fs::write(path, sim::page::render(report))
        .with_context(|| format!("write {}", path.display()))?;
    println!("page: {}", path.display());
    Ok(())
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
