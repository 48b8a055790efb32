//! `sim shrink --seed N [--mutant M] [--html FILE]`.

use std::path::PathBuf;

use sim::RunOptions;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    seed: u64,
    #[arg(long, default_value_t = 100)]
    orders: usize,
    #[arg(long, value_parser = super::parse_mutant)]
    mutant: Option<saga_core::mutant::Mutant>,
    /// Fault classes to play: `all`, a list such as `crash,poison`, or `all,-forgery`.
    #[arg(long, value_parser = super::parse_faults)]
    faults: Option<sim::fault::Mix>,
    /// Write the shrunk run as a self-contained HTML page here (see `replay --html`).
    #[arg(long)]
    html: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let options = RunOptions {
        orders: args.orders,
        mutant: args.mutant,
        faults: super::faults(args.faults),
        ..RunOptions::new(args.seed)
    };
    let Some(shrunk) = sim::shrink::shrink(options, |tried, kept| {
        eprintln!("  tried {tried} schedules; {kept} faults still needed");
    }) else {
        println!("seed {} passes: nothing to shrink", args.seed);
        return Ok(());
    };
    println!(
        "shrunk seed {} from {} to {} faults in {} runs; it still violates {}",
        args.seed,
        shrunk.original_faults,
        shrunk.report.schedule.faults.len(),
        shrunk.runs,
        shrunk.property
    );
    print!("{}", shrunk.report);
    if let Some(path) = &args.html {
        super::write_page(&shrunk.report, path)?;
    }
    Ok(())
}
