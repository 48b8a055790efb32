//! Hunting a mutant: run seeds in order with the mutant switched on until one fails. Seeds run
//! in batches of `jobs`; the smallest failing seed of the first failing batch is the answer, so
//! the result does not depend on thread timing.

use saga_core::mutant::Mutant;

use crate::RunOptions;
use crate::sweep::sweep;

/// The first seed that caught a mutant.
#[derive(Debug, Clone)]
pub struct Catch {
    pub seed: u64,
    pub property: String,
    pub replay: String,
}

/// How the hunt went.
#[derive(Debug, Clone)]
pub struct Hunt {
    pub mutant: Mutant,
    pub caught: Option<Catch>,
    /// Seeds up to and including the catching one.
    pub seeds_run: u64,
}

pub fn hunt(mutant: Mutant, max_seeds: u64, jobs: usize, orders: usize) -> Hunt {
    let jobs = jobs.max(1) as u64;
    let mut start = 0;
    while start < max_seeds {
        let end = (start + jobs).min(max_seeds);
        let options = |seed| RunOptions {
            orders,
            mutant: Some(mutant),
            ..RunOptions::new(seed)
        };
        let summary = sweep(start..end, jobs as usize, options, |_| {});
        if let Some(failed) = summary.failures().next() {
            let property = match failed.violations.first() {
                Some(v) => v.property.name().to_owned(),
                None => failed.failure.clone().unwrap_or_default(),
            };
            return Hunt {
                mutant,
                caught: Some(Catch {
                    seed: failed.options.seed,
                    property,
                    replay: failed.replay_command(),
                }),
                seeds_run: failed.options.seed + 1,
            };
        }
        start = end;
    }
    Hunt {
        mutant,
        caught: None,
        seeds_run: max_seeds,
    }
}
