//! The command line: `list`, `run`, and the hidden `component` the runner starts itself as.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use chaos::report::RunReport;
use chaos::runner::{Settings, run_scenario};
use chaos::scenario::{Scenario, catalog, find, offered};
use chaos::stack::{Stack, StackMode};
use clap::{Parser, Subcommand};

/// Chaos on the real stack: Toxiproxy faults, SIGKILLs and backend restarts under load,
/// judged by the saga's invariant checker.
#[derive(Debug, Parser)]
#[command(name = "chaos", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lists the scenarios with what each shows.
    List,
    /// Plays scenarios and prints the report; exits non-zero unless every one passed.
    Run(RunArgs),
    /// Plays a simulated seed's fault plan (`sim replay --seed N --plan FILE`) and judges it;
    /// the report names the simulated fault classes it could not play.
    Play(crate::plans::PlayArgs),
    /// Plays each seed in both worlds and prints a table: faults played, the simulated and
    /// the real verdict, and what differs; exits non-zero unless every verdict agrees.
    Conform(crate::plans::ConformArgs),
    /// Runs one saga component (what `run` starts its children as).
    #[command(hide = true)]
    Component { name: String },
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// A scenario name, several separated by commas, or `all`.
    #[arg(long, default_value = "all")]
    scenario: String,
    /// Seeds every timeline; the same seed gives the same faults at the same times.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Seconds of load (and faults) per scenario.
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Steady orders per second.
    #[arg(long, default_value_t = 20.0)]
    rate: f64,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Write each failing scenario as a self-contained HTML page (its fault bands, violations
    /// and played log, drawn like the explorer's timeline) into this directory.
    #[arg(long)]
    html: Option<PathBuf>,
    #[command(flatten)]
    on: crate::plans::StackArgs,
    /// Only print the timelines: no stack, no load, no faults.
    #[arg(long)]
    dry_run: bool,
}

/// The scenarios `names` picks on a stack with or without backend control: `all` is every
/// single-broker scenario that stack can run, `cluster-all` every cluster one; a named one it
/// cannot run is an error, not a skip. Cluster and single-broker scenarios need different
/// stacks, so one run plays one kind.
fn chosen(names: &str, control: bool) -> anyhow::Result<Vec<Scenario>> {
    match names {
        "all" => return Ok(offered(control, false)),
        "cluster-all" => return Ok(offered(control, true)),
        _ => {}
    }
    let scenarios: Vec<Scenario> = names
        .split(',')
        .map(|name| {
            find(name.trim()).ok_or_else(|| chaos::ChaosError::UnknownScenario(name.into()))
        })
        .collect::<Result<_, _>>()?;
    if let Some(s) = scenarios.iter().find(|s| !s.runs_on(control)) {
        return Err(chaos::ChaosError::NotOffered(s.name.clone()).into());
    }
    if scenarios
        .iter()
        .any(|s| s.needs_cluster != scenarios[0].needs_cluster)
    {
        anyhow::bail!(
            "cluster-* scenarios run on a cluster stack: play them in a run of their own"
        );
    }
    Ok(scenarios)
}

async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let control = args.on.stack != StackMode::Attach;
    let scenarios = chosen(&args.scenario, control)?;
    if args.dry_run {
        for s in &scenarios {
            let timeline = s.timeline_on(args.seed, Duration::from_secs(args.duration), control);
            println!(
                "== {} (seed {}): {}\n{timeline}",
                s.name, args.seed, s.about
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let logs = args.on.logs.unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "order-saga-chaos/{}-{}",
            args.seed,
            std::process::id()
        ))
    });
    let settings = Settings {
        seed: args.seed,
        duration: Duration::from_secs(args.duration),
        rate: args.rate,
        patience: Duration::from_secs(args.on.patience),
        exe: std::env::current_exe().context("locating the chaos binary")?,
        logs,
    };
    let on_cluster = scenarios.first().is_some_and(|s| s.needs_cluster);
    let mode = match args.on.stack {
        StackMode::Private if on_cluster => StackMode::Cluster,
        mode => mode,
    };
    let stack = Stack::open(mode, args.on.keep_stack).await?;
    if stack.cluster != on_cluster {
        anyhow::bail!(
            "the stack's Kafka is {} but the scenarios need {}",
            if stack.cluster {
                "a cluster"
            } else {
                "one broker"
            },
            if on_cluster {
                "a cluster (--stack cluster)"
            } else {
                "one broker"
            }
        );
    }
    println!("stack: {:?} ({})\n", mode, stack.endpoints.toxiproxy);
    let mut reports = Vec::new();
    let play_all = async {
        for scenario in &scenarios {
            let report = run_scenario(&stack, scenario, &settings).await?;
            for line in report.violations.iter().chain(&report.unreadable) {
                println!("VIOLATION {line}");
            }
            println!(
                "{}",
                RunReport::new(args.seed, vec![report.clone()]).table()
            );
            if let Some(dir) = args.html.as_ref().filter(|_| !report.passed()) {
                let timeline = scenario.timeline(args.seed, settings.duration);
                let path = dir.join(format!("{}-seed-{}.html", scenario.name, args.seed));
                let written = std::fs::create_dir_all(dir)
                    .and_then(|()| std::fs::write(&path, chaos::page::render(&report, &timeline)));
                match written {
                    Ok(()) => println!("page written to {}", path.display()),
                    Err(error) => eprintln!("cannot write {}: {error}", path.display()),
                }
            }
            reports.push(report);
        }
        Ok::<_, chaos::ChaosError>(())
    };
    // On Ctrl-C or SIGTERM the run is dropped: its guards heal the proxies, start stopped
    // backends and kill the components; `stack` then stops a private stack it started.
    tokio::select! {
        played = play_all => played?,
        () = saga_runtime::shutdown::signal() => anyhow::bail!("interrupted; cleaned up"),
    }
    let run = RunReport::new(args.seed, reports);
    println!("{}", run.table());
    if let Some(path) = &args.report {
        std::fs::write(path, serde_json::to_string_pretty(&run)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("report written to {}", path.display());
    }
    Ok(if run.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs the chosen subcommand.
///
/// # Errors
/// Whatever stops it, described for a human.
pub async fn run_cli(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::List => {
            for s in catalog() {
                let mark = if s.needs_backend_control { " *" } else { "" };
                println!("{:<28} {}{mark}", s.name, s.about);
            }
            println!("\n* acts on the backend servers: not offered with --stack attach");
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(args) => run(args).await,
        Command::Play(args) => crate::plans::play(args).await,
        Command::Conform(args) => crate::plans::conform(args).await,
        Command::Component { name } => {
            let component = crate::component::parse_component(&name)
                .with_context(|| format!("no component called {name:?}"))?;
            crate::component::run(component).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
