//! `saga bench`: the load generator, and the modes `scripts/bench` builds on (relay-only
//! throughput, the summary table, one figure of a run, cleaning up a run's topics).

mod cleanup;
mod figure;
mod load;
mod outbox_drain;
mod summary;

use std::process::ExitCode;

use clap::{Args, Subcommand};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    mode: Option<Mode>,
    #[command(flatten)]
    load: load::LoadArgs,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// Fill an outbox in bulk and time a running relay draining it to Kafka.
    Relay(outbox_drain::RelayArgs),
    /// Print the table of a `scripts/bench` run and write its JSON.
    Summary(summary::SummaryArgs),
    /// Delete the Kafka topics a benchmark run created (by prefix).
    Cleanup(cleanup::CleanupArgs),
    /// Print one figure of a `saga bench --json` file (what `scripts/bench` decides on).
    Figure(figure::FigureArgs),
}

pub async fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    match args.mode {
        None => load::run(args.load).await,
        Some(Mode::Relay(args)) => outbox_drain::run(args).await,
        Some(Mode::Summary(args)) => summary::run(args),
        Some(Mode::Cleanup(args)) => cleanup::run(args).await,
        Some(Mode::Figure(args)) => figure::run(args),
    }
}
