//! `saga-bench relay`: relay-only throughput against a relay that is already running.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use saga_bench::outbox_drain::{self, RelayPlan};

#[derive(Debug, Args)]
pub struct RelayArgs {
    /// The relay's database, reached directly (a fresh, migrated one: its outbox must be empty).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Outbox rows to insert in one transaction and wait for.
    #[arg(long, default_value_t = 50_000)]
    events: usize,
    /// Seconds to wait for the drain.
    #[arg(long, default_value_t = 300)]
    patience: u64,
    /// Also write the figures as JSON here.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
}

pub async fn run(args: RelayArgs) -> anyhow::Result<ExitCode> {
    let plan = RelayPlan {
        database_url: args.database_url,
        events: args.events,
        patience: Duration::from_secs(args.patience),
    };
    let report = outbox_drain::run(&plan).await?;
    println!("{}", report.line());
    if let Some(path) = args.json {
        saga_bench::figures::write(&path, &report)?;
    }
    Ok(ExitCode::SUCCESS)
}
