//! `saga-bench explore`: how fast a running explorer answers its pages, each requested in turn
//! `--rounds` times by one operator: the order list (all, one status, an older page), the
//! dead letters (first page and the next), one order's journey and the health page. Prints
//! p50/p99/max per page, and writes them as JSON.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use saga_client::SagaClient;
use saga_client::percentiles::{Percentiles, ms};

#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// The explorer's base URL.
    #[arg(long)]
    url: String,
    /// An operator key (else `SAGA_API_KEY`), when the explorer needs keys.
    #[arg(long, env = "SAGA_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Requests per page.
    #[arg(long, default_value_t = 100)]
    rounds: usize,
    /// An order to draw the journey of.
    #[arg(long, default_value_t = 1)]
    order: i64,
    /// Also write the figures as JSON here.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
}

/// The `href` of the `next-page` link on `page`, if it has one.
fn next_link(page: &str) -> Option<String> {
    let at = page.find("id=\"next-page\" href=\"")? + "id=\"next-page\" href=\"".len();
    let end = page[at..].find('"')?;
    Some(page[at..at + end].replace("&amp;", "&"))
}

pub async fn run(args: ExploreArgs) -> anyhow::Result<ExitCode> {
    let mut client = SagaClient::new(&args.url);
    if let Some(key) = &args.api_key {
        client = client.with_api_key(key)?;
    }
    let (status, first) = client.get("/").await?;
    anyhow::ensure!(status.is_success(), "GET / answered {status}");
    let older = next_link(&String::from_utf8_lossy(&first)).unwrap_or_else(|| "/".into());
    let (_, letters) = client.get("/dead-letters").await?;
    let next_letters =
        next_link(&String::from_utf8_lossy(&letters)).unwrap_or_else(|| "/dead-letters".into());
    let pages = [
        ("orders", "/".to_owned()),
        ("orders, one status", "/?status=CANCELLED".to_owned()),
        ("orders, an older page", older),
        ("dead letters", "/dead-letters".to_owned()),
        ("dead letters, next page", next_letters),
        ("one order", format!("/orders/{}", args.order)),
        ("health", "/saga-health".to_owned()),
    ];
    let mut figures = BTreeMap::new();
    println!(
        "{:<26} {:>10} {:>10} {:>10}  path",
        "page", "p50", "p99", "max"
    );
    for (name, path) in &pages {
        let mut samples: Vec<Duration> = Vec::with_capacity(args.rounds);
        for _ in 0..args.rounds {
            let started = Instant::now();
            let (status, _) = client.get(path).await?;
            samples.push(started.elapsed());
            // An order that does not exist (the empty saga's baseline) is an answer too.
            let answered = status.is_success() || status == http::StatusCode::NOT_FOUND;
            anyhow::ensure!(answered, "GET {path} answered {status}");
        }
        let p = Percentiles::of(samples);
        println!(
            "{name:<26} {:>10} {:>10} {:>10}  {path}",
            ms(p.p50),
            ms(p.p99),
            ms(p.max)
        );
        figures.insert(
            (*name).to_owned(),
            serde_json::json!({"p50_ms": p.p50.as_secs_f64() * 1e3, "p99_ms": p.p99.as_secs_f64() * 1e3, "max_ms": p.max.as_secs_f64() * 1e3}),
        );
    }
    if let Some(path) = args.json {
        std::fs::write(path, serde_json::to_string_pretty(&figures)?)?;
    }
    Ok(ExitCode::SUCCESS)
}
