//! `sim replay --seed N [--trace FILE] [--html FILE] [--plan FILE]`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use sim::RunOptions;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    seed: u64,
    /// Write the full trace here, one JSON object per line.
    #[arg(long)]
    trace: Option<PathBuf>,
    #[arg(long, default_value_t = 100)]
    orders: usize,
    #[arg(long, value_parser = super::parse_mutant)]
    mutant: Option<saga_core::mutant::Mutant>,
    /// Write the run as a self-contained HTML page here: hosts as lanes, faults as bands, the
    /// steps of the orders a property names highlighted.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Keep only these faults of the seed's schedule (`none`, or indices like `0,3,5`).
    // The full path keeps clap from reading `Vec` as "many values": the parser returns the list.
    #[arg(long, value_parser = super::parse_keep)]
    keep: Option<::std::vec::Vec<usize>>,
    /// Fault classes to play: `all`, a list such as `crash,poison`, or `all,-forgery`.
    #[arg(long, value_parser = super::parse_faults)]
    faults: Option<sim::fault::Mix>,
    /// Write the seed's workload and fault schedule here as a fault plan for the real stack
    /// (`chaos play FILE`), with the simulated verdict.
    #[arg(long)]
    plan: Option<PathBuf>,
    /// Real seconds the plan spreads the load over; every simulated time is scaled to it.
    #[arg(long, default_value_t = 20)]
    real_load: u64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let options = RunOptions {
        orders: args.orders,
        mutant: args.mutant,
        faults: super::faults(args.faults),
        keep: args.keep,
        keep_trace: true,
        ..RunOptions::new(args.seed)
    };
    let report = sim::sweep::run_one(options);
    print!("{report}");
    if report.passed() {
        print!("{}", report.schedule);
    }
    if let Some(path) = &args.trace {
        let file =
            std::fs::File::create(path).with_context(|| format!("create {}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        for line in &report.trace {
            serde_json::to_writer(&mut out, line)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        println!(
            "trace: {} events written to {}",
            report.trace.len(),
            path.display()
        );
    }
    if let Some(path) = &args.html {
        super::write_page(&report, path)?;
    }
    if let Some(path) = &args.plan {
        let plan = sim::plan::plan_of(&report, std::time::Duration::from_secs(args.real_load));
        std::fs::write(path, plan.to_json())
            .with_context(|| format!("write {}", path.display()))?;
        println!(
            "plan: {} of {} faults mapped to real actions, written to {}",
            plan.steps.len(),
            report.schedule.faults.len(),
            path.display()
        );
    }
    println!("trace hash {:016x}", report.hash);
    if !report.passed() {
        anyhow::bail!("seed {} failed", args.seed);
    }
    Ok(())
}
