//! `saga-bench figure NAME FILE`: one figure of a load run's typed document, for
//! `scripts/bench`'s decisions (the closed-loop sweep stops when orders/s stops rising).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use saga_bench::figures::{self, LoadFigures, RelayFigures};

#[derive(Debug, Args)]
pub struct FigureArgs {
    /// Which figure.
    figure: Figure,
    /// A `saga-bench --json` file (`saga-bench relay --json` for `events-per-second`).
    file: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Figure {
    /// Terminal orders per second, end to end.
    OrdersPerSecond,
    /// Place → terminal p99, milliseconds.
    P99Ms,
    /// Outbox rows the relay alone published per second.
    EventsPerSecond,
}

pub fn run(args: FigureArgs) -> anyhow::Result<ExitCode> {
    let value = match args.figure {
        Figure::OrdersPerSecond => figures::read::<LoadFigures>(&args.file)?.orders_per_second,
        Figure::P99Ms => figures::read::<LoadFigures>(&args.file)?.latency_ms.p99,
        Figure::EventsPerSecond => figures::read::<RelayFigures>(&args.file)?.events_per_second,
    };
    println!("{value}");
    Ok(ExitCode::SUCCESS)
}
