//! `saga-bench figure NAME FILE`: one figure of a load run's typed document, for
//! `scripts/bench`'s decisions (the closed-loop sweep stops when orders/s stops rising).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use saga_bench::figures::{self, LoadFigures};

#[derive(Debug, Args)]
pub struct FigureArgs {
    /// Which figure.
    figure: Figure,
    /// A `saga-bench --json` file.
    file: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Figure {
    /// Terminal orders per second, end to end.
    OrdersPerSecond,
    /// Place → terminal p99, milliseconds.
    P99Ms,
}

pub fn run(args: FigureArgs) -> anyhow::Result<ExitCode> {
    let run: LoadFigures = figures::read(&args.file)?;
    let value = match args.figure {
        Figure::OrdersPerSecond => run.orders_per_second,
        Figure::P99Ms => run.latency_ms.p99,
    };
    println!("{value}");
    Ok(ExitCode::SUCCESS)
}
