//! The command line: one subcommand per way of running the saga, and one per component of the
//! registry (`saga gateway`, `saga order-api`, …).

mod component;
mod demo;
mod dlq;
mod dlq_print;
mod keys;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// order-saga: an eventually consistent order saga (gateway, Order API with a transactional
/// outbox, outbox relay, payment, order-status and delivery workers).
#[derive(Debug, Parser)]
#[command(name = "saga", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every component in this process on in-memory backends, with the gateway on HTTP.
    Demo(demo::DemoArgs),
    /// Every component in this one process on the real backends.
    All(component::ComponentArgs),
    /// Applies the database migrations in `migrations/` and exits: run it (once) before the
    /// components, which refuse a database that lacks a migration they know.
    Migrate,
    /// Lists the components, one name a line (what `saga <component>` accepts).
    Components,
    /// Dead letters on the real stack: list, show, replay, discard.
    Dlq(dlq::DlqArgs),
    /// Make or hash API keys for the gateway (`API_KEYS`, `API_KEYS_FILE`).
    Keys(keys::KeysArgs),
}

/// What the command line asked for.
pub enum Invocation {
    Component(saga_components::Component, component::ComponentArgs),
    Other(Command),
}

/// Parses the process's arguments; exits with clap's message when they are wrong.
pub fn parse() -> Invocation {
    let mut command = Cli::command();
    for component in component::subcommands() {
        command = command.subcommand(component);
    }
    let matches = command.get_matches();
    let parsed = match component::chosen(&matches) {
        Ok(Some((c, args))) => Ok(Invocation::Component(c, args)),
        Ok(None) => Cli::from_arg_matches(&matches).map(|cli| Invocation::Other(cli.command)),
        Err(error) => Err(error),
    };
    parsed.unwrap_or_else(|error| error.exit())
}

/// Runs what was asked.
///
/// # Errors
/// Whatever stops the subcommand from doing its job, described for a human.
pub async fn run(invocation: Invocation) -> anyhow::Result<ExitCode> {
    let command = match invocation {
        Invocation::Component(c, args) => return component::run(c, args).await,
        Invocation::Other(command) => command,
    };
    match command {
        Command::Demo(args) => demo::run(args).await,
        Command::All(args) => component::run_all(args).await,
        Command::Migrate => component::migrate().await,
        Command::Components => {
            for component in saga_components::COMPONENTS {
                println!("{}", component.name);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys(args) => keys::run(args),
        Command::Dlq(args) => dlq::run(args).await,
    }
}
