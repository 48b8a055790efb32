//! `saga <component>`, `saga all` and `saga migrate`: the saga on real PostgreSQL, Kafka and
//! Redis, configured by the environment (see docs/configuration.md), logging JSON lines
//! to stderr. One subcommand per registry entry.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{ArgMatches, Args, Command, FromArgMatches};
use saga::real;
use saga_components::{COMPONENTS, Component};
use saga_runtime::otel;
use saga_runtime::telemetry::{self, LogFormat};

/// Where a component listens.
#[derive(Debug, Args)]
pub struct ComponentArgs {
    /// Address to serve on: the public API (gateway), the Order API, or `/health` and
    /// `/metrics` (relay and workers). Each component's default is in its own `--help`.
    #[arg(long, env = "LISTEN_ADDR")]
    listen: Option<SocketAddr>,
}

/// `saga <name>` for every component in the registry.
pub fn subcommands() -> impl Iterator<Item = Command> {
    COMPONENTS.iter().map(|c| {
        ComponentArgs::augment_args(Command::new(c.name))
            .about(c.about)
            .mut_arg("listen", |a| {
                let help = format!("Address to serve on [default: {}]", c.default_listen());
                a.help(help)
            })
    })
}

/// The component `matches` chose, with its arguments; `None` when it chose something else.
///
/// # Errors
/// When the arguments do not parse.
pub fn chosen(matches: &ArgMatches) -> Result<Option<(Component, ComponentArgs)>, clap::Error> {
    let Some((name, sub)) = matches.subcommand() else {
        return Ok(None);
    };
    let Some(component) = saga_components::registry::find(name) else {
        return Ok(None);
    };
    Ok(Some((component, ComponentArgs::from_arg_matches(sub)?)))
}

/// Runs one component until SIGTERM or Ctrl-C.
///
/// # Errors
/// A dependency unreachable at start-up (named with its address), or the component failing.
pub async fn run(component: Component, args: ComponentArgs) -> anyhow::Result<ExitCode> {
    telemetry::init(LogFormat::Json, "info,sqlx=warn,rdkafka=warn");
    let listen = args.listen.unwrap_or(component.default_listen());
    tracing::info!(component = component.name, %listen, "starting");
    let exporter = otel::install(&saga_runtime::env::process, component.name)?;
    let ran = real::run(component, listen, saga_runtime::shutdown::signal()).await;
    flush(exporter).await;
    ran?;
    Ok(ExitCode::SUCCESS)
}

/// Runs every component in this process.
///
/// # Errors
/// The first component that cannot start or fails.
pub async fn run_all(args: ComponentArgs) -> anyhow::Result<ExitCode> {
    telemetry::init(LogFormat::Json, "info,sqlx=warn,rdkafka=warn");
    let gateway = saga_components::registry::GATEWAY;
    let listen = args.listen.unwrap_or(gateway.default_listen());
    let exporter = otel::install(&saga_runtime::env::process, "saga")?;
    let ran = real::run_all(listen, saga_runtime::shutdown::signal()).await;
    flush(exporter).await;
    ran?;
    Ok(ExitCode::SUCCESS)
}

/// Sends the spans still buffered before the process exits (a blocking wait for the export
/// thread, kept off the runtime's workers).
pub(super) async fn flush(exporter: Option<otel::Exporter>) {
    if let Some(exporter) = exporter {
        let _ = tokio::task::spawn_blocking(move || exporter.shutdown()).await;
    }
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
