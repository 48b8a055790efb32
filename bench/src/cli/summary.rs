//! `saga-bench summary`: gathers the figures `scripts/bench` collected into one table and
//! one JSON document.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use saga_bench::figures;
use saga_bench::summary::Summary;

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// `saga-bench --json` of the saturation run.
    #[arg(long)]
    saturation: PathBuf,
    /// Its closed-loop concurrency.
    #[arg(long)]
    saturation_concurrency: usize,
    /// `saga-bench --json` of a half-rate run (repeatable).
    #[arg(long, required = true)]
    half: Vec<PathBuf>,
    /// The rate offered in the half-rate run, orders/s.
    #[arg(long)]
    half_rate: f64,
    /// A closed-loop sweep point, `CONCURRENCY=ORDERS_PER_SECOND` (repeatable).
    #[arg(long = "sweep", value_parser = pair)]
    sweep: Vec<(usize, f64)>,
    /// A pgbench ceiling point, `CLIENTS=ORDERS_PER_SECOND` (repeatable).
    #[arg(long = "ceiling", value_parser = pair)]
    ceiling: Vec<(usize, f64)>,
    /// `saga-bench relay --json` of the relay-only run.
    #[arg(long)]
    relay: PathBuf,
    /// A component's peak memory, `NAME=KILOBYTES` (repeatable).
    #[arg(long = "rss", value_parser = named::<u64>)]
    rss: Vec<(String, u64)>,
    /// A process's CPU milliseconds per order at saturation, `NAME=MS` (repeatable).
    #[arg(long = "cpu", value_parser = named::<f64>)]
    cpu: Vec<(String, f64)>,
    /// The machine's cores.
    #[arg(long, default_value_t = 1)]
    cores: usize,
    /// What the machine was doing, for the record.
    #[arg(long, default_value = "")]
    machine: String,
    /// Where to write the JSON.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn pair(text: &str) -> Result<(usize, f64), String> {
    let (a, b) = text.split_once('=').ok_or("expected N=RATE")?;
    Ok((
        a.parse().map_err(|e| format!("{a}: {e}"))?,
        b.parse().map_err(|e| format!("{b}: {e}"))?,
    ))
}

/// `NAME=VALUE`, the name free text (component names have dashes and spaces).
fn named<T: std::str::FromStr>(text: &str) -> Result<(String, T), String>
where
    T::Err: std::fmt::Display,
{
    let (a, b) = text.split_once('=').ok_or("expected NAME=VALUE")?;
    Ok((a.to_owned(), b.parse().map_err(|e| format!("{b}: {e}"))?))
}

pub fn run(args: SummaryArgs) -> anyhow::Result<ExitCode> {
    let summary = Summary {
        sweep: args.sweep,
        saturation_concurrency: args.saturation_concurrency,
        saturation: figures::read(&args.saturation)?,
        half_rate: args.half_rate,
        half: args
            .half
            .iter()
            .map(|path| figures::read(path))
            .collect::<Result<_, _>>()?,
        ceiling: args.ceiling,
        relay: figures::read(&args.relay)?,
        peak_rss_kb: args.rss,
        cpu_ms_per_order: args.cpu,
        cores: args.cores,
        machine: args.machine,
    };
    for line in summary.lines() {
        println!("{line}");
    }
    if let Some(path) = args.out {
        figures::write(&path, &summary.figures())?;
    }
    Ok(ExitCode::SUCCESS)
}
