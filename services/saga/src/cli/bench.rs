//! `saga bench`: the load generator.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use saga::bench::{self, LoadPlan, Pace};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Gateway base URL.
    #[arg(long, default_value = "http://127.0.0.1:8000")]
    url: String,
    /// Orders to place.
    #[arg(long, default_value_t = 1000)]
    orders: usize,
    /// Closed loop: clients placing orders back to back.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Open loop instead: start this many orders per second, whatever the answers.
    #[arg(long)]
    rate: Option<f64>,
    /// A `/metrics` URL to read outbox and consumer lag from after the run (repeatable).
    #[arg(long = "metrics")]
    metrics: Vec<String>,
    /// Seconds to wait for the last orders to become terminal.
    #[arg(long, default_value_t = 60)]
    patience: u64,
    /// Also write the figures as JSON here.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
}

pub async fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let pace = match args.rate {
        Some(per_second) => Pace::Open {
            per_second,
            max_in_flight: args.concurrency.max(1) * 32,
        },
        None => Pace::Closed {
            concurrency: args.concurrency,
        },
    };
    let plan = LoadPlan {
        url: args.url,
        orders: args.orders,
        pace,
        patience: Duration::from_secs(args.patience),
    };
    let mut report = bench::run(&plan).await?;
    for url in &args.metrics {
        report.scrapes.push(bench::scrape(url).await?);
    }
    for line in report.lines() {
        println!("{line}");
    }
    if let Some(path) = args.json {
        let text = serde_json::to_string_pretty(&report.to_json())?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(
        if report.unfinished == 0 && report.terminal == report.accepted {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}
