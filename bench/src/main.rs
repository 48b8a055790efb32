//! `saga-bench`: the load generator, and the modes `scripts/bench` builds on (relay-only
//! throughput, the summary table, one figure of a run, cleaning up a run's topics). A binary of
//! its own so that the release `saga` binary ships no load generator.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Load-test a running gateway: place orders, follow each to its end, report throughput,
/// latency percentiles, HTTP errors and the services' lag metrics.
#[derive(Debug, Parser)]
#[command(name = "saga-bench", version, about, long_about = None)]
#[command(args_conflicts_with_subcommands = true)]
struct BenchArgs {
    #[command(subcommand)]
    mode: Option<Mode>,
    #[command(flatten)]
    load: cli::load::LoadArgs,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// Fill an outbox in bulk and time a running relay draining it to Kafka.
    Relay(cli::outbox_drain::RelayArgs),
    /// Print the table of a `scripts/bench` run and write its JSON.
    Summary(cli::summary::SummaryArgs),
    /// Delete the Kafka topics a benchmark run created (by prefix).
    Cleanup(cli::cleanup::CleanupArgs),
    /// Print one figure of a `saga-bench --json` file (what `scripts/bench` decides on).
    Figure(cli::figure::FigureArgs),
    /// Load a long history (orders, payment events, dead letters) into a migrated database.
    History(cli::history::HistoryArgs),
    /// Time a running explorer's pages.
    Explore(cli::explore::ExploreArgs),
}

async fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    match args.mode {
        None => cli::load::run(args.load).await,
        Some(Mode::Relay(args)) => cli::outbox_drain::run(args).await,
        Some(Mode::Summary(args)) => cli::summary::run(args),
        Some(Mode::Cleanup(args)) => cli::cleanup::run(args).await,
        Some(Mode::Figure(args)) => cli::figure::run(args),
        Some(Mode::History(args)) => cli::history::run(args).await,
        Some(Mode::Explore(args)) => cli::explore::run(args).await,
    }
}

fn main() -> ExitCode {
    let args = BenchArgs::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(run(args)),
        Err(error) => Err(anyhow::anyhow!("cannot start the async runtime: {error}")),
    };
    result.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        ExitCode::FAILURE
    })
}
