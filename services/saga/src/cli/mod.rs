//! The command line: one subcommand per way of running the saga.

mod bench;
mod demo;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// order-saga: an eventually consistent order saga (gateway, Order API with a transactional
/// outbox, outbox relay, payment, order-status and delivery workers).
#[derive(Debug, Parser)]
#[command(name = "saga", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every component in this process on in-memory backends, with the gateway on HTTP.
    Demo(demo::DemoArgs),
    /// Load-test a running gateway: place orders, follow each to its end, report throughput,
    /// latency percentiles, HTTP errors and the services' lag metrics.
    Bench(bench::BenchArgs),
}

/// Runs the chosen subcommand.
///
/// # Errors
/// Whatever stops the subcommand from doing its job, described for a human.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo(args) => demo::run(args).await,
        Command::Bench(args) => bench::run(args).await,
    }
}
