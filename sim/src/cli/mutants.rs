//! `sim mutants`: every mutant must be caught.

#[derive(clap::Args)]
pub struct Args {
    /// Most seeds tried per mutant.
    #[arg(long, default_value_t = 100)]
    max_seeds: u64,
    #[arg(long)]
    jobs: Option<usize>,
    #[arg(long, default_value_t = 100)]
    orders: usize,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let jobs = args.jobs.unwrap_or_else(super::default_jobs);
    println!(
        "{:<30} {:<7} {:>6}  property violated (first catching seed)",
        "mutant", "caught", "seeds"
    );
    let mut missed = 0;
    for mutant in saga_core::mutant::Mutant::ALL {
        let hunt = sim::mutants::hunt(mutant, args.max_seeds, jobs, args.orders);
        match &hunt.caught {
            Some(catch) => println!(
                "{:<30} {:<7} {:>6}  {} (seed {}: {})",
                mutant.name(),
                "yes",
                hunt.seeds_run,
                catch.property,
                catch.seed,
                catch.replay
            ),
            None => {
                missed += 1;
                println!("{:<30} {:<7} {:>6}  -", mutant.name(), "NO", hunt.seeds_run);
            }
        }
    }
    if missed > 0 {
        anyhow::bail!("{missed} mutants were not caught");
    }
    println!("every mutant was caught");
    Ok(())
}
