//! `chaos play FILE` and `chaos conform --seeds A..B`: simulated seeds played on the real
//! stack (`chaos::play`, `chaos::conform`).

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use chaos::conform::{self, Row};
use chaos::report::{RunReport, ScenarioReport};
use chaos::runner::{Settings, run_scenario};
use chaos::stack::{Stack, StackMode};
use saga_faults::plan::FaultPlan;

/// What `run`, `play` and `conform` share: the stack, the wait for quiescence, the logs.
#[derive(Debug, clap::Args)]
pub struct StackArgs {
    /// Longest wait, in seconds, for quiescence after the heal.
    #[arg(long, default_value_t = 120)]
    pub patience: u64,
    /// Which stack to use (one that kills a backend server needs `private` or `native`).
    #[arg(long, value_enum, default_value = "private", env = "CHAOS_STACK")]
    pub stack: StackMode,
    /// Leave a private stack running afterwards (faster next time).
    #[arg(long)]
    pub keep_stack: bool,
    /// Where component logs go.
    #[arg(long, env = "CHAOS_LOG_DIR")]
    pub logs: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct PlayArgs {
    /// A fault plan written by `sim replay --seed N --plan FILE`.
    file: PathBuf,
    #[command(flatten)]
    stack: StackArgs,
}

#[derive(Debug, clap::Args)]
pub struct ConformArgs {
    /// Seeds `A..B` (B exclusive), or one seed.
    #[arg(long, value_parser = parse_seeds)]
    seeds: Range<u64>,
    /// The simulation's command line (`scripts/sim` of this source tree by default).
    #[arg(long)]
    sim: Option<PathBuf>,
    /// Where the plans are written.
    #[arg(long, default_value = "target/conform")]
    plans: PathBuf,
    /// Real seconds each plan spreads its load over (the simulated times scaled to it).
    #[arg(long, default_value_t = 20)]
    real_load: u64,
    /// Also write the rows as JSON here.
    #[arg(long)]
    report: Option<PathBuf>,
    #[command(flatten)]
    stack: StackArgs,
}

fn parse_seeds(text: &str) -> anyhow::Result<Range<u64>> {
    let range = match text.split_once("..") {
        Some((a, b)) => {
            a.parse().context("seed range start")?..b.parse().context("seed range end")?
        }
        None => {
            let seed: u64 = text.parse().context("seed")?;
            seed..seed + 1
        }
    };
    anyhow::ensure!(!range.is_empty(), "empty seed range {text}");
    Ok(range)
}

fn read_plan(path: &Path) -> anyhow::Result<FaultPlan> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    FaultPlan::from_json(&text).with_context(|| format!("reading {}", path.display()))
}

/// Plays `plan` on `stack` and prints its report with the faults it could not play.
async fn play_one(
    stack: &Stack,
    plan: &FaultPlan,
    args: &StackArgs,
) -> anyhow::Result<ScenarioReport> {
    let scenario = chaos::play::scenario(plan)?;
    let logs = args.logs.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("order-saga-chaos/plan-{}", std::process::id()))
    });
    let settings = Settings {
        seed: plan.seed,
        duration: chaos::play::load(plan),
        rate: chaos::play::rate(plan),
        patience: Duration::from_secs(args.patience),
        exe: std::env::current_exe().context("locating the chaos binary")?,
        logs,
    };
    let report = run_scenario(stack, &scenario, &settings).await?;
    // What each step really did and when, for reading a row's differences.
    for line in &report.played {
        println!("played {line}");
    }
    for line in report.violations.iter().chain(&report.unreadable) {
        println!("VIOLATION {line}");
    }
    println!(
        "{}",
        RunReport::new(plan.seed, vec![report.clone()]).table()
    );
    for u in &plan.unmapped {
        println!(
            "not played: #{} {} ({}): {}",
            u.fault, u.class, u.simulated, u.why
        );
    }
    let classes = plan.unmapped_classes();
    println!(
        "unmapped classes: {}",
        if classes.is_empty() {
            "none".to_owned()
        } else {
            classes.join(", ")
        }
    );
    Ok(report)
}

async fn open(args: &StackArgs) -> anyhow::Result<Stack> {
    let stack = Stack::open(args.stack, args.keep_stack).await?;
    anyhow::ensure!(
        !stack.cluster,
        "a fault plan plays on a single-broker stack"
    );
    Ok(stack)
}

pub async fn play(args: PlayArgs) -> anyhow::Result<ExitCode> {
    let plan = read_plan(&args.file)?;
    let stack = open(&args.stack).await?;
    let report = play_one(&stack, &plan, &args.stack).await?;
    println!(
        "simulated verdict: {}; real verdict: {}",
        if plan.simulated.passed {
            "pass"
        } else {
            "FAIL"
        },
        if report.passed() { "pass" } else { "FAIL" }
    );
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Exits 0 when every seed's verdicts agree.
pub async fn conform(args: ConformArgs) -> anyhow::Result<ExitCode> {
    let sim = args.sim.clone().unwrap_or_else(conform::default_sim);
    std::fs::create_dir_all(&args.plans)
        .with_context(|| format!("creating {}", args.plans.display()))?;
    let stack = open(&args.stack).await?;
    let mut rows: Vec<Row> = Vec::new();
    for seed in args.seeds.clone() {
        let (plan, sim_took) =
            conform::simulate(&sim, seed, Duration::from_secs(args.real_load), &args.plans)?;
        let started = Instant::now();
        let real = play_one(&stack, &plan, &args.stack).await?;
        rows.push(conform::row(&plan, &real, sim_took, started.elapsed()));
        // Printed after every seed, so a long run shows its table so far.
        println!("{}", conform::table(&rows));
    }
    if let Some(path) = &args.report {
        std::fs::write(path, serde_json::to_string_pretty(&rows)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let agree = rows.iter().all(|r| r.simulated_passed == r.real_passed);
    Ok(if agree {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
