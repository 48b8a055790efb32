//! `saga demo`: the whole saga in this process on in-memory backends, the gateway on HTTP,
//! optionally placing orders through it and checking the result.

use std::convert::Infallible;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use futures::StreamExt;
use saga::embedded::{EmbeddedOptions, EmbeddedSaga};
use saga_api::auth::{Role, entry, generate_key};
use saga_client::SagaClient;
use saga_client::percentiles::{Percentiles, ms};
use saga_core::ports::OsEntropy;
use saga_core::snapshot::Acknowledged;
use saga_core::{OrderId, Owner};
use saga_runtime::telemetry::{self, LogFormat};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Gateway port on 127.0.0.1.
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Internal Order API port on 127.0.0.1.
    #[arg(long, default_value_t = 8001)]
    order_api_port: u16,
    /// The explorer's port on 127.0.0.1 (its pages: orders, timelines, dead letters, health).
    #[arg(long, default_value_t = 8080)]
    explorer_port: u16,
    /// Place this many orders through the gateway, wait until all are terminal, print a
    /// summary and check every invariant.
    #[arg(long, default_value_t = 0)]
    orders: usize,
    /// Orders in flight at once while placing.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Chance that a payment succeeds.
    #[arg(long, default_value_t = 0.8)]
    success_rate: f64,
    /// Exit after the summary instead of serving until Ctrl-C: 0 when every order finished
    /// and the checker found nothing, 1 otherwise.
    #[arg(long)]
    exit: bool,
    /// Require API keys: make a client key for this run, print it, and use it for `--orders`.
    /// Without it the demo is open (unless `API_KEYS` or `API_KEYS_FILE` is set). The other
    /// `API_*` variables (rate limit, timeouts) apply either way.
    #[arg(long)]
    auth: bool,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    telemetry::init(LogFormat::Pretty, "warn");
    let mut gateway_vars: Vec<(String, String)> = std::env::vars()
        .filter(|(name, _)| name.starts_with("API_"))
        .collect();
    let demo_key = args.auth.then(|| generate_key(&OsEntropy));
    if let Some(key) = &demo_key {
        let owner = Owner::parse("demo").expect("a valid name");
        let mine = entry(&owner, Role::Client, key);
        match gateway_vars.iter_mut().find(|(name, _)| name == "API_KEYS") {
            Some((_, keys)) => *keys = format!("{keys},{mine}"),
            None => gateway_vars.push(("API_KEYS".into(), mine)),
        }
    }
    let open = !gateway_vars
        .iter()
        .any(|(name, _)| name == "API_KEYS" || name == "API_KEYS_FILE");
    let options = EmbeddedOptions {
        gateway_port: args.port,
        order_api_port: args.order_api_port,
        explorer_port: args.explorer_port,
        success_probability: args.success_rate,
        gateway_vars,
        ..Default::default()
    };
    let mut saga = EmbeddedSaga::start(options)
        .await
        .context("starting the embedded saga")?;
    println!(
        "order-saga demo ready: gateway http://{} (order-api http://{})",
        saga.gateway, saga.order_api
    );
    println!("  explorer: http://{}/", saga.explorer);
    let authorization = match (&demo_key, open) {
        (_, true) => {
            println!(
                "  authentication is OFF: this demo is open to anyone who can reach it (--auth turns keys on)"
            );
            String::new()
        }
        (Some(key), false) => {
            println!("  authentication is on; this run's client key: {key}");
            format!(" -H 'authorization: Bearer {key}'")
        }
        (None, false) => {
            println!("  authentication is on (API_KEYS / API_KEYS_FILE)");
            " -H 'authorization: Bearer <your key>'".to_owned()
        }
    };
    println!(
        "  try: curl -s -X POST http://{}/place-order{authorization} -H 'content-type: application/json' -d '{{\"item\": \"standard meal\"}}'",
        saga.gateway
    );
    let mut healthy = true;
    if args.orders > 0 {
        healthy = place_and_check(&saga, &args, demo_key.as_deref()).await?;
    }
    if !args.exit {
        println!("serving until Ctrl-C");
        tokio::select! {
            () = saga_runtime::shutdown::signal() => {}
            stopped = saga.any_stopped() => {
                if let Some(stopped) = stopped {
                    let outcome = stopped.result.err().map(|e| e.to_string());
                    let why = outcome.unwrap_or_else(|| "no error".to_owned());
                    eprintln!("{} stopped unexpectedly: {why}", stopped.component);
                    healthy = false;
                }
            }
        }
    }
    for stopped in saga.shutdown().await {
        if let Err(error) = stopped.result {
            eprintln!("{} did not stop cleanly: {error}", stopped.component);
            healthy = false;
        }
    }
    Ok(if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Places the orders, follows each to its end, prints the summary; true when all is well.
async fn place_and_check(
    saga: &EmbeddedSaga,
    args: &DemoArgs,
    key: Option<&str>,
) -> anyhow::Result<bool> {
    let mut client = SagaClient::new(&format!("http://{}", saga.gateway));
    if let Some(key) = key {
        client = client.with_api_key(key)?;
    }
    let started = tokio::time::Instant::now();
    let placed = client
        .place_many("demo meal", args.orders, args.concurrency)
        .await;
    let mut acknowledged = Vec::new();
    for placed in placed {
        let placed = placed?;
        match placed.order {
            Some(order) => acknowledged.push(order.order_id),
            None => println!(
                "rejected: {} {}",
                placed.status,
                String::from_utf8_lossy(&placed.body)
            ),
        }
    }
    let placing = started.elapsed();
    let finished: Vec<_> = futures::stream::iter(acknowledged.clone())
        .map(|id| {
            let client = client.clone();
            async move { client.wait_terminal(id, Duration::from_secs(30)).await }
        })
        .buffer_unordered(args.concurrency.max(1))
        .collect()
        .await;
    let (mut completed, mut cancelled, mut latencies, mut unfinished) = (0, 0, Vec::new(), 0);
    for order in finished {
        match order {
            Ok(order) => {
                if order.status == "COMPLETED" {
                    completed += 1
                } else {
                    cancelled += 1
                }
                latencies.push(place_to_terminal(&order.created_at, &order.updated_at)?);
            }
            Err(error) => {
                unfinished += 1;
                println!("unfinished: {error:#}");
            }
        }
    }
    let p = Percentiles::of(latencies);
    println!(
        "placed {} orders in {:.2}s ({:.0} orders/s); terminal {}/{}: COMPLETED {completed}, CANCELLED {cancelled}",
        acknowledged.len(),
        placing.as_secs_f64(),
        acknowledged.len() as f64 / placing.as_secs_f64().max(1e-9),
        completed + cancelled,
        args.orders,
    );
    println!(
        "place -> terminal latency: p50 {}, p99 {}, max {}",
        ms(p.p50),
        ms(p.p99),
        ms(p.max)
    );
    let acks = acknowledged
        .iter()
        .map(|id| Acknowledged {
            order_id: OrderId::new(*id).expect("gateway ids are positive"),
            idempotency_key: None,
            trace: None,
        })
        .collect();
    let violations = quiesced_violations(saga, acks).await;
    println!("checker: {} violations", violations.len());
    for violation in &violations {
        println!("  {violation}");
    }
    Ok(unfinished == 0 && acknowledged.len() == args.orders && violations.is_empty())
}

/// Waits (bounded) for consumers to commit everything, then checks every property.
async fn quiesced_violations(
    saga: &EmbeddedSaga,
    acks: Vec<Acknowledged>,
) -> Vec<saga_checker::Violation> {
    let read = || std::future::ready(Ok::<_, Infallible>(saga.backends.snapshot(acks.clone())));
    let patience = Duration::from_secs(10);
    saga_checker::settle(read, patience, Duration::from_millis(10))
        .await
        .violations
}

fn place_to_terminal(created: &str, updated: &str) -> anyhow::Result<Duration> {
    let created = OffsetDateTime::parse(created, &Rfc3339).context("created_at")?;
    let updated = OffsetDateTime::parse(updated, &Rfc3339).context("updated_at")?;
    Ok((updated - created).try_into().unwrap_or_default())
}
