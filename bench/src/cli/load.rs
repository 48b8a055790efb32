//! `saga-bench [--url …]`: the load generator (closed loop, or open loop with `--rate`).

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use saga_bench::{self as bench, LoadPlan, Pace};

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Gateway base URL.
    #[arg(long, default_value = "http://127.0.0.1:8000")]
    url: String,
    /// API key to send (`Authorization: Bearer`); none for an open gateway.
    #[arg(long, env = "SAGA_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
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

pub async fn run(args: LoadArgs) -> anyhow::Result<ExitCode> {
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
        api_key: args.api_key,
        orders: args.orders,
        pace,
        patience: Duration::from_secs(args.patience),
    };
    let mut before = Vec::new();
    for url in &args.metrics {
        before.push(bench::scrape(url).await?);
    }
    let mut report = bench::run(&plan).await?;
    for (url, before) in args.metrics.iter().zip(&before) {
        report.scrapes.push(bench::scrape(url).await?.since(before));
    }
    for line in report.lines() {
        println!("{line}");
    }
    if let Some(path) = args.json {
        bench::figures::write(&path, &report.figures())?;
    }
    Ok(
        if report.unfinished == 0 && report.terminal == report.accepted {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}
