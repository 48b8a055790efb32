//! Shrinking a failing seed: the seed stays (so the workload, ids and network are the same) and
//! faults are removed from its schedule, chunks first then one by one, as long as the run still
//! violates the same property. The result names the faults kept, which `replay --keep` replays.

use crate::sweep::run_one;
use crate::{RunOptions, RunReport};

/// A minimal failing schedule.
#[derive(Debug)]
pub struct Shrunk {
    pub report: RunReport,
    pub property: String,
    pub original_faults: usize,
    pub runs: usize,
}

/// What a failing run violated, for "still fails the same way".
fn signature(report: &RunReport) -> Option<String> {
    if let Some(v) = report.violations.first() {
        return Some(v.property.name().to_owned());
    }
    report.failure.as_ref().map(|_| "failure".to_owned())
}

/// Shrinks `options`' schedule; `None` when the seed passes. `progress(runs, kept)` is called
/// after each attempt.
pub fn shrink(options: RunOptions, progress: impl Fn(usize, usize)) -> Option<Shrunk> {
    let first = run_one(options.clone());
    let property = signature(&first)?;
    let still = |report: &RunReport| signature(report).as_deref() == Some(property.as_str());
    Some(shrink_while(options, first, &property, still, progress))
}

/// Shrinks `options`' schedule keeping a violation of `property` (whatever else the run
/// violates, as a mutant's hunt judges it); `None` when the seed does not violate it.
pub fn shrink_keeping(
    options: RunOptions,
    property: saga_checker::Property,
    progress: impl Fn(usize, usize),
) -> Option<Shrunk> {
    let first = run_one(options.clone());
    let still = |report: &RunReport| report.violations.iter().any(|v| v.property == property);
    still(&first).then(|| shrink_while(options, first, property.name(), still, progress))
}

fn shrink_while(
    options: RunOptions,
    first: RunReport,
    property: &str,
    still: impl Fn(&RunReport) -> bool,
    progress: impl Fn(usize, usize),
) -> Shrunk {
    let property = property.to_owned();
    let original_faults = first.schedule.faults.len();
    let mut keep: Vec<usize> = match &options.keep {
        Some(keep) => keep.clone(),
        None => (0..original_faults).collect(),
    };
    let mut best = first;
    let mut runs = 1;
    let mut chunks = 2;
    while !keep.is_empty() {
        let size = keep.len().div_ceil(chunks);
        let mut removed = false;
        for start in (0..keep.len()).step_by(size) {
            let candidate: Vec<usize> = keep
                .iter()
                .enumerate()
                .filter(|(i, _)| *i < start || *i >= start + size)
                .map(|(_, f)| *f)
                .collect();
            let report = run_one(RunOptions {
                keep: Some(candidate.clone()),
                ..options.clone()
            });
            runs += 1;
            progress(runs, keep.len());
            if still(&report) {
                keep = candidate;
                best = report;
                removed = true;
                chunks = (chunks - 1).max(2);
                break;
            }
        }
        if !removed {
            if size == 1 {
                break;
            }
            chunks = (chunks * 2).min(keep.len());
        }
    }
    if best.options.keep.is_none() {
        // Nothing could be removed: say so explicitly in the replay command.
        best.options.keep = Some(keep);
    }
    Shrunk {
        report: best,
        property,
        original_faults,
        runs,
    }
}
