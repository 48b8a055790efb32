//! The command line: one subcommand per way of running the saga.

mod bench;
mod component;
mod demo;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use saga::real::Component;

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
    /// The public HTTP API (DESIGN §2), forwarding to the Order API (`ORDER_SERVICE_URL`).
    Gateway(component::ComponentArgs),
    /// Creates and reads orders on PostgreSQL (`DATABASE_URL`); applies migrations first.
    OrderApi(component::ComponentArgs),
    /// Publishes committed outbox rows to Kafka (`DATABASE_URL`, `KAFKA_BOOTSTRAP_SERVERS`).
    OutboxRelay(component::ComponentArgs),
    /// Decides payments once per order event (`KAFKA_BOOTSTRAP_SERVERS`, `REDIS_URL`).
    PaymentWorker(component::ComponentArgs),
    /// Applies payment outcomes to orders (`KAFKA_BOOTSTRAP_SERVERS`, `DATABASE_URL`).
    OrderStatusWorker(component::ComponentArgs),
    /// Assigns deliveries after successful payments (`KAFKA_BOOTSTRAP_SERVERS`, `DATABASE_URL`).
    DeliveryWorker(component::ComponentArgs),
    /// The operator's web page (orders, timelines, saga health) on 127.0.0.1:8080, reading
    /// PostgreSQL, Kafka and Redis (`DATABASE_URL`, `KAFKA_BOOTSTRAP_SERVERS`, `REDIS_URL`).
    Explorer(component::ComponentArgs),
    /// Every component in this one process on the real backends.
    All(component::ComponentArgs),
    /// Applies the database migrations in `migrations/` and exits.
    Migrate,
    /// Load-test a running gateway: place orders, follow each to its end, report throughput,
    /// latency percentiles, HTTP errors and the services' lag metrics.
    Bench(Box<bench::BenchArgs>),
}

/// Runs the chosen subcommand.
///
/// # Errors
/// Whatever stops the subcommand from doing its job, described for a human.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo(args) => demo::run(args).await,
        Command::Gateway(args) => component::run(Component::Gateway, args).await,
        Command::OrderApi(args) => component::run(Component::OrderApi, args).await,
        Command::OutboxRelay(args) => component::run(Component::OutboxRelay, args).await,
        Command::PaymentWorker(args) => component::run(Component::PaymentWorker, args).await,
        Command::OrderStatusWorker(args) => {
            component::run(Component::OrderStatusWorker, args).await
        }
        Command::DeliveryWorker(args) => component::run(Component::DeliveryWorker, args).await,
        Command::Explorer(args) => component::run_explorer(args).await,
        Command::All(args) => component::run_all(args).await,
        Command::Migrate => component::migrate().await,
        Command::Bench(args) => bench::run(*args).await,
    }
}
