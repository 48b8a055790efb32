//! How a run went, for a reader: each violation gets the offending order's history across
//! services from the trace, and a failed run prints its seed, schedule, violations and a
//! one-line replay command.

use crate::mutants::MutantName;
use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use saga_checker::Violation;
use saga_core::OrderId;

use crate::fault::Schedule;
use crate::observe::Coverage;
use crate::observe::{Event, TraceLine};
use crate::options::RunOptions;

/// How a run went.
#[derive(Debug)]
pub struct RunReport {
    pub options: RunOptions,
    pub schedule: Schedule,
    pub violations: Vec<Violation>,
    /// A host failed or panicked, or the run never became quiescent without a named cause.
    pub failure: Option<String>,
    pub coverage: Coverage,
    pub hash: u64,
    pub trace: Vec<TraceLine>,
    pub sim_time: Duration,
    pub wall_time: Duration,
    pub acknowledged: usize,
    pub created: usize,
}

impl RunReport {
    pub fn passed(&self) -> bool {
        self.violations.is_empty() && self.failure.is_none()
    }
}

/// Longest history printed per violation.
const HISTORY_LINES: usize = 80;
/// Violations printed in full; the rest are counted.
const SHOWN_VIOLATIONS: usize = 5;

/// Appends to each violation the trace lines of its order: everything any host reported about
/// the order, its events, and the Kafka records that carried them.
pub fn attach_histories(violations: &mut [Violation], trace: &[TraceLine]) {
    for violation in violations {
        if let Some(order) = violation.order_id {
            let lines = order_history(order, trace);
            if !lines.is_empty() {
                violation
                    .history
                    .push("trace (simulated time, reporting host):".into());
                violation.history.extend(lines);
            }
        }
    }
}

fn order_history(order: OrderId, trace: &[TraceLine]) -> Vec<String> {
    related(order, trace)
        .into_iter()
        .take(HISTORY_LINES)
        .map(|line| {
            format!(
                "  {:>9.3}s {:<20} {:?}",
                line.at_us as f64 / 1e6,
                line.host,
                line.event
            )
        })
        .collect()
}

/// Every trace line about `order`: what any host reported about the order, its events, and the
/// Kafka records that carried them (deliveries and commits included).
pub fn related(order: OrderId, trace: &[TraceLine]) -> Vec<&TraceLine> {
    let mut events = BTreeSet::new();
    let mut records = BTreeSet::new();
    for line in trace.iter().filter(|l| l.event.order() == Some(order)) {
        match &line.event {
            Event::OrderCreated { event, .. } | Event::StatusChanged { event, .. } => {
                events.insert(*event);
            }
            Event::Appended {
                topic,
                partition,
                offset,
                event,
                ..
            } => {
                records.insert((*topic, *partition, *offset));
                events.extend(*event);
            }
            _ => {}
        }
    }
    let is_related = |event: &Event| match event {
        Event::Decided { source, .. } => events.contains(source),
        Event::Delivered {
            topic,
            partition,
            offset,
            ..
        }
        | Event::Committed {
            topic,
            partition,
            offset,
            ..
        } => records.contains(&(*topic, *partition, *offset)),
        other => other.order() == Some(order),
    };
    trace
        .iter()
        .filter(|line| is_related(&line.event))
        .collect()
}

impl RunReport {
    /// The command that plays this run again.
    pub fn replay_command(&self) -> String {
        let o = &self.options;
        let mut command = format!("scripts/sim replay --seed {}", o.seed);
        if o.orders != 100 {
            command += &format!(" --orders {}", o.orders);
        }
        if let Some(mutant) = o.mutant {
            command += &format!(" --mutant {}", mutant.name());
        }
        if o.faults != crate::fault::Mix::survivable() {
            command += &format!(" --faults {}", o.faults);
        }
        if let Some(keep) = &o.keep {
            let list: Vec<String> = keep.iter().map(usize::to_string).collect();
            command += &format!(
                " --keep {}",
                if list.is_empty() {
                    "none".into()
                } else {
                    list.join(",")
                }
            );
        }
        command
    }
}

impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "PASSED" } else { "FAILED" };
        writeln!(f, "seed {} {verdict}", self.options.seed)?;
        if let Some(mutant) = self.options.mutant {
            writeln!(f, "mutant: {}", mutant.name())?;
        }
        writeln!(
            f,
            "{} orders acknowledged, {} created; {:.1}s simulated in {:.0} ms; trace hash {:016x}",
            self.acknowledged,
            self.created,
            self.sim_time.as_secs_f64(),
            self.wall_time.as_secs_f64() * 1e3,
            self.hash
        )?;
        if self.passed() {
            return Ok(());
        }
        write!(f, "{}", self.schedule)?;
        if let Some(failure) = &self.failure {
            writeln!(f, "failure: {failure}")?;
        }
        for violation in self.violations.iter().take(SHOWN_VIOLATIONS) {
            writeln!(f, "violated {violation}")?;
        }
        if self.violations.len() > SHOWN_VIOLATIONS {
            let more = self.violations.len() - SHOWN_VIOLATIONS;
            writeln!(f, "… and {more} more violations")?;
        }
        writeln!(f, "replay: {}", self.replay_command())
    }
}
