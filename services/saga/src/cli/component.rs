//! `saga <component>`, `saga all` and `saga migrate`: the saga on real PostgreSQL, Kafka and
//! Redis, configured by the environment (DESIGN §2), logging JSON lines to stderr.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Args;
use saga::real::{self, Component};
use saga_runtime::telemetry::{self, LogFormat};

/// Where a component listens.
#[derive(Debug, Args)]
pub struct ComponentArgs {
    /// Address to serve on: the public API (gateway), the Order API, or `/health` and
    /// `/metrics` (relay and workers). Defaults: gateway 127.0.0.1:8000, order-api :8001,
    /// outbox-relay :9101, payment-worker :9102, order-status-worker :9103,
    /// delivery-worker :9104.
    #[arg(long, env = "LISTEN_ADDR")]
    listen: Option<SocketAddr>,
}

/// Runs one component until SIGTERM or Ctrl-C.
///
/// # Errors
/// A dependency unreachable at start-up (named with its address), or the component failing.
pub async fn run(component: Component, args: ComponentArgs) -> anyhow::Result<ExitCode> {
    telemetry::init(LogFormat::Json, "info,sqlx=warn,rdkafka=warn");
    let listen = args.listen.unwrap_or(component.default_listen());
    tracing::info!(component = component.name(), %listen, "starting");
    real::run_component(component, listen, None, saga_runtime::shutdown::signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the explorer until SIGTERM or Ctrl-C.
///
/// # Errors
/// A backend unreachable at start-up (named with its address), or the explorer failing.
pub async fn run_explorer(args: ComponentArgs) -> anyhow::Result<ExitCode> {
    telemetry::init(LogFormat::Json, "info,sqlx=warn,rdkafka=warn");
    let listen = args.listen.unwrap_or(real::EXPLORER_LISTEN);
    tracing::info!(component = "explorer", %listen, "starting");
    real::run_explorer(listen, saga_runtime::shutdown::signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Runs every component in this process.
///
/// # Errors
/// The first component that cannot start or fails.
pub async fn run_all(args: ComponentArgs) -> anyhow::Result<ExitCode> {
    telemetry::init(LogFormat::Json, "info,sqlx=warn,rdkafka=warn");
    let listen = args.listen.unwrap_or(Component::Gateway.default_listen());
    real::run_all(listen, saga_runtime::shutdown::signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Applies the database migrations and exits.
///
/// # Errors
/// When PostgreSQL is unreachable or a migration fails.
pub async fn migrate() -> anyhow::Result<ExitCode> {
    telemetry::init(LogFormat::Json, "info,sqlx=warn");
    real::migrate_only().await?;
    eprintln!("migrations applied");
    Ok(ExitCode::SUCCESS)
}
