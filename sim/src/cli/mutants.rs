//! `sim mutants`: every mutant must be caught, by the property it is expected to break; each
//! catch is shrunk to its minimal fault schedule, and the subtle mutants' median seeds-to-catch
//! is printed.

use saga_core::mutant::Mutant;
use sim::mutants::MutantName;
use sim::mutants::{expected, hunt, median};

#[derive(clap::Args)]
pub struct Args {
    /// Most seeds tried per mutant.
    #[arg(long, default_value_t = 100)]
    max_seeds: u64,
    #[arg(long)]
    jobs: Option<usize>,
    #[arg(long, default_value_t = 100)]
    orders: usize,
    /// Skip shrinking each catch to its minimal schedule.
    #[arg(long)]
    no_shrink: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let jobs = args.jobs.unwrap_or_else(super::default_jobs);
    println!(
        "{:<28} {:<7} {:>5}  {:<32} first catching seed",
        "mutant", "caught", "seeds", "expected property"
    );
    let mut missed = Vec::new();
    let mut subtle = Vec::new();
    let mut shrunk = Vec::new();
    for mutant in Mutant::ALL {
        let hunt = hunt(mutant, args.max_seeds, jobs, args.orders);
        let wanted = expected(mutant);
        let ok = hunt.caught_as_expected();
        let detail = match &hunt.caught {
            Some(c) if ok => format!("seed {}: {}", c.seed, c.replay),
            Some(c) => format!(
                "seed {} broke {:?} (harness error: {:?}), not the expected property",
                c.seed, c.properties, c.failure
            ),
            None => "-".into(),
        };
        println!(
            "{:<28} {:<7} {:>5}  {:<32} {detail}",
            mutant.name(),
            if ok { "yes" } else { "NO" },
            hunt.seeds_run,
            wanted.name()
        );
        if !ok {
            missed.push(mutant.name());
            continue;
        }
        if Mutant::SUBTLE.contains(&mutant) {
            subtle.push(hunt.seeds_run);
        }
        if !args.no_shrink {
            let options = hunt.caught.expect("caught").options;
            if let Some(s) = sim::shrink::shrink_keeping(options, wanted, |_, _| {}) {
                shrunk.push((mutant, s));
            }
        }
    }
    for (mutant, s) in &shrunk {
        println!(
            "\n{}: minimal schedule ({} of {} faults, {} runs) still violating {}",
            mutant.name(),
            s.report.schedule.faults.len(),
            s.original_faults,
            s.runs,
            s.property
        );
        print!("{}", s.report.schedule);
        println!("replay: {}", s.report.replay_command());
    }
    if let Some(m) = median(subtle.clone()) {
        println!(
            "\nsubtle mutants: seeds to catch {subtle:?}, median {m} (of {})",
            Mutant::SUBTLE.len()
        );
    }
    if !missed.is_empty() {
        anyhow::bail!("not caught by their expected property: {missed:?}");
    }
    println!("every mutant was caught by its expected property");
    Ok(())
}
