//! Hunting a mutant: run seeds in order with the mutant switched on until one fails. Seeds run
//! in batches of `jobs`; the smallest failing seed of the first failing batch is the answer, so
//! the result does not depend on thread timing. A catch counts only when the run violated the
//! property the mutant is expected to break ([`expected`], sim/README.md's table): a harness
//! error, or another property, is reported as such and is not a catch.

use saga_checker::Property;
use saga_core::mutant::Mutant;

use crate::RunOptions;
use crate::fault::Mix;
use crate::sweep::sweep;

/// A mutant's name on the command line and in reports. The names live here, not beside the
/// enum in `saga_core`, so that no release binary carries them.
pub trait MutantName {
    fn name(self) -> &'static str;
}

impl MutantName for Mutant {
    fn name(self) -> &'static str {
        match self {
            Mutant::OutboxOutsideTransaction => "outbox-outside-transaction",
            Mutant::CommitBeforeProcessing => "commit-before-processing",
            Mutant::ForgetDecision => "forget-decision",
            Mutant::SkipProcessedEvents => "skip-processed-events",
            Mutant::UnconditionalStatusUpdate => "unconditional-status-update",
            Mutant::NonIdempotentDelivery => "non-idempotent-delivery",
            Mutant::MarkBeforePublish => "mark-before-publish",
            Mutant::PermanentAsTransient => "permanent-as-transient",
            Mutant::GiveUpAfterTenSeconds => "give-up-after-10s",
            Mutant::DropUnprocessable => "drop-unprocessable",
            Mutant::ReconcilerOff => "reconciler-off",
            Mutant::OverwriteDecision => "overwrite-decision",
            Mutant::IgnoreCausation => "ignore-causation",
            Mutant::CommitFetchedOnStop => "commit-fetched-on-stop",
            Mutant::DropTraceHeader => "drop-trace-header",
            Mutant::WriterClockStamps => "writer-clock-stamps",
            Mutant::RecordReplayBeforePublish => "record-replay-before-publish",
            Mutant::IgnoreStopDuringStartUp => "ignore-stop-during-start-up",
            Mutant::WindowIsRetentionOnly => "window-is-retention-only",
            Mutant::WriteNewestSchema => "write-newest-schema",
        }
    }
}

/// The property each mutant breaks (the mutant table in sim/README.md).
pub fn expected(mutant: Mutant) -> Property {
    match mutant {
        Mutant::OutboxOutsideTransaction => Property::OrderTerminal,
        Mutant::CommitBeforeProcessing => Property::NoValidEventDropped,
        Mutant::ForgetDecision => Property::StatusMatchesDecision,
        Mutant::SkipProcessedEvents => Property::StatusChangeTiedToPayment,
        Mutant::UnconditionalStatusUpdate => Property::StatusChangesOnce,
        Mutant::NonIdempotentDelivery => Property::DeliveryAtMostOnce,
        Mutant::MarkBeforePublish => Property::CompletedOrderDelivered,
        Mutant::PermanentAsTransient => Property::OrderTerminal,
        Mutant::GiveUpAfterTenSeconds => Property::NoValidEventDropped,
        Mutant::DropUnprocessable => Property::UnprocessableEventDeadLettered,
        Mutant::ReconcilerOff => Property::OrderTerminal,
        Mutant::OverwriteDecision => Property::StatusMatchesDecision,
        Mutant::IgnoreCausation => Property::StatusChangeTiedToPayment,
        Mutant::CommitFetchedOnStop => Property::NoValidEventDropped,
        Mutant::DropTraceHeader => Property::TraceContinuity,
        Mutant::WriterClockStamps => Property::StatusChangeTiedToPayment,
        Mutant::RecordReplayBeforePublish => Property::RecordedReplayPublished,
        Mutant::IgnoreStopDuringStartUp => Property::StopHonoured,
        Mutant::WindowIsRetentionOnly => Property::DedupOutlivesDelivery,
        Mutant::WriteNewestSchema => Property::NoApplicableEventInDlq,
    }
}

/// Properties a mutant breaks as directly as its [`expected`] one, which a run may meet first
/// depending on where the faults fall: an overwritten decision flips the stored decision under
/// the applied status and also lets a second, contradicting payment event out; a processed
/// event stamped with a writer's clock days behind is pruned at once, so a redelivery of it
/// finds no dedup record.
pub fn also_shows(mutant: Mutant) -> &'static [Property] {
    match mutant {
        Mutant::OverwriteDecision => &[Property::PaymentEventsAgree],
        Mutant::WriterClockStamps => &[Property::DedupOutlivesDelivery],
        _ => &[],
    }
}

/// The first seed on which a mutant's run failed.
#[derive(Debug, Clone)]
pub struct Catch {
    pub seed: u64,
    /// Every property the run violated, in the checker's order.
    pub properties: Vec<Property>,
    /// A harness error (a host failed, no quiescence without a named cause).
    pub failure: Option<String>,
    pub replay: String,
    /// The run's fault schedule, for shrinking.
    pub options: RunOptions,
}

impl Catch {
    /// Whether the run broke `property` (a harness error is never a catch).
    pub fn caught_by(&self, property: Property) -> bool {
        self.failure.is_none() && self.properties.contains(&property)
    }
}

/// How the hunt went.
#[derive(Debug, Clone)]
pub struct Hunt {
    pub mutant: Mutant,
    pub caught: Option<Catch>,
    /// Seeds up to and including the catching one.
    pub seeds_run: u64,
}

impl Hunt {
    /// Caught, by the expected property (or one it [`also_shows`]).
    pub fn caught_as_expected(&self) -> bool {
        let wanted = expected(self.mutant);
        let also = also_shows(self.mutant);
        self.caught.as_ref().is_some_and(|c| {
            c.caught_by(wanted) || also.iter().any(|&property| c.caught_by(property))
        })
    }
}

pub fn hunt(mutant: Mutant, max_seeds: u64, jobs: usize, orders: usize) -> Hunt {
    hunt_with(mutant, max_seeds, jobs, orders, &Mix::survivable())
}

/// [`hunt`] with the fault classes of `faults` only.
pub fn hunt_with(mutant: Mutant, max_seeds: u64, jobs: usize, orders: usize, faults: &Mix) -> Hunt {
    let jobs = jobs.max(1) as u64;
    let mut start = 0;
    while start < max_seeds {
        let end = (start + jobs).min(max_seeds);
        let options = |seed| RunOptions {
            orders,
            mutant: Some(mutant),
            faults: faults.clone(),
            ..RunOptions::new(seed)
        };
        let summary = sweep(start..end, jobs as usize, options, |_| {});
        if let Some(failed) = summary.failures().next() {
            let mut properties: Vec<Property> =
                failed.violations.iter().map(|v| v.property).collect();
            properties.sort();
            properties.dedup();
            return Hunt {
                mutant,
                caught: Some(Catch {
                    seed: failed.options.seed,
                    properties,
                    failure: failed.failure.clone(),
                    replay: failed.replay_command(),
                    options: failed.options.clone(),
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

/// Seeds `seeds` played with `mutant` and no fault at all: the ones that failed. Empty for a
/// subtle mutant, which needs its fault to do harm.
pub fn failing_without_faults(
    mutant: Mutant,
    seeds: std::ops::Range<u64>,
    jobs: usize,
) -> Vec<u64> {
    let options = |seed| RunOptions {
        mutant: Some(mutant),
        faults: Mix::only([]),
        ..RunOptions::new(seed)
    };
    let summary = sweep(seeds, jobs, options, |_| {});
    summary.failures().map(|r| r.options.seed).collect()
}

/// The median of seeds-to-catch (the middle one, or the mean of the two middle ones).
pub fn median(mut seeds: Vec<u64>) -> Option<f64> {
    seeds.sort_unstable();
    let n = seeds.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(seeds[n / 2] as f64),
        _ => Some((seeds[n / 2 - 1] + seeds[n / 2]) as f64 / 2.0),
    }
}
