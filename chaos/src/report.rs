//! The report: per scenario, what clients saw (orders attempted, acknowledged, terminal,
//! errors by status code, latency), how long the system took to quiesce after the heal, and
//! the checker's violations. A table for the terminal and JSON for files.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

/// One scenario's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    pub scenario: String,
    pub seed: u64,
    /// The planned timeline, one line per step.
    pub timeline: Vec<String>,
    /// What was actually done, when, and any step that failed.
    pub played: Vec<String>,
    /// Steps that failed: a fault that was not injected (or not undone). Any makes the
    /// scenario fail: it did not show what it claims to.
    pub faults_failed: Vec<String>,
    /// Data faults skipped as the simulation skips them (nothing to act on, or a backend
    /// unreachable past the bound): neither played nor failed.
    pub faults_skipped: Vec<String>,
    /// What each operator step did: the dead letter, and each operator's action and its
    /// outcome (ok, refused, failed, not replayable).
    pub operator_acts: Vec<String>,
    /// Status changes in the order status history the checker judged (status changes once,
    /// each tied to its payment event).
    pub status_changes_checked: usize,
    pub load_seconds: f64,
    pub attempted: u64,
    pub acknowledged: usize,
    pub terminal: usize,
    /// Acknowledged orders left PENDING because the scenario made them unprocessable.
    pub quarantined: usize,
    pub requests: u64,
    /// Failed requests by status code (`timeout`, `unreachable` for no answer).
    pub errors: BTreeMap<String, u64>,
    pub latency_p50_ms: f64,
    pub latency_p99_ms: f64,
    pub latency_max_ms: f64,
    /// Components that exited without being killed (and were restarted), by name.
    pub self_exits: BTreeMap<String, u32>,
    /// Seconds from the heal until every property held; `None`: never within the bound.
    pub quiesce_seconds: Option<f64>,
    pub violations: Vec<String>,
    /// Why the final state could not be read, if it could not.
    pub unreadable: Option<String>,
    /// How the saga rode out the fault (none for a timeline without one).
    pub failover: Option<crate::failover::Failover>,
    /// What the auditor counted, its metric lines; must be empty unless the timeline
    /// tampers with data (forged events, lost writes), which only the checker is told of.
    pub audited: Vec<String>,
    pub tampered: bool,
    /// Where the components' logs are.
    pub logs: String,
}

impl ScenarioReport {
    /// Every fault injected, zero violations, the state read, quiesced in time, every
    /// acknowledged order terminal but those the scenario made unprocessable.
    pub fn passed(&self) -> bool {
        self.faults_failed.is_empty()
            && self.violations.is_empty()
            && (self.tampered || self.audited.is_empty())
            && self.unreadable.is_none()
            && self.quiesce_seconds.is_some()
            && self.terminal + self.quarantined == self.acknowledged
    }
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub seed: u64,
    pub passed: bool,
    pub scenarios: Vec<ScenarioReport>,
}

impl RunReport {
    pub fn new(seed: u64, scenarios: Vec<ScenarioReport>) -> Self {
        Self {
            seed,
            passed: scenarios.iter().all(ScenarioReport::passed),
            scenarios,
        }
    }

    pub fn violations(&self) -> usize {
        self.scenarios.iter().map(|s| s.violations.len()).sum()
    }

    /// The human table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<26} {:>6} {:>6} {:>6} {:>6} {:>8} {:>8}  {:<24} {:>8} {:>7} {:>5}  result",
            "scenario",
            "tried",
            "acked",
            "term",
            "hist",
            "p99 ms",
            "quiesce",
            "errors",
            "restarts",
            "faults",
            "viol"
        );
        for s in &self.scenarios {
            let errors: Vec<String> = s.errors.iter().map(|(k, v)| format!("{k}×{v}")).collect();
            let errors = if errors.is_empty() {
                "-".into()
            } else {
                errors.join(" ")
            };
            let quiesce = s
                .quiesce_seconds
                .map_or_else(|| "never".into(), |q| format!("{q:.1}s"));
            let exits: u32 = s.self_exits.values().sum();
            let faults = match (s.faults_failed.len(), s.faults_skipped.len()) {
                (0, 0) => "applied".to_owned(),
                (0, skipped) => format!("{skipped} skip"),
                (failed, _) => format!("{failed} FAILED"),
            };
            let _ = writeln!(
                out,
                "{:<26} {:>6} {:>6} {:>6} {:>6} {:>8.0} {:>8}  {:<24} {:>8} {:>7} {:>5}  {}",
                s.scenario,
                s.attempted,
                s.acknowledged,
                s.terminal,
                s.status_changes_checked,
                s.latency_p99_ms,
                quiesce,
                errors,
                exits,
                faults,
                s.violations.len(),
                if s.passed() { "ok" } else { "FAIL" }
            );
        }
        for s in &self.scenarios {
            if let Some(f) = s.failover {
                let _ = writeln!(out, "{}: {}", s.scenario, failover_line(&f));
            }
        }
        for s in &self.scenarios {
            // Which step failed and why: the table only counts them.
            for step in s.faults_failed.iter().chain(&s.faults_skipped) {
                let _ = writeln!(out, "{}: {}", s.scenario, step.trim_start());
            }
            for act in &s.operator_acts {
                let _ = writeln!(out, "{}: operators: {act}", s.scenario);
            }
            for line in &s.audited {
                let excused = if s.tampered {
                    " (the scenario tampers with data)"
                } else {
                    ""
                };
                let _ = writeln!(out, "{}: auditor: {line}{excused}", s.scenario);
            }
        }
        let _ = writeln!(
            out,
            "seed {}: {} scenarios, {} violations — {}",
            self.seed,
            self.scenarios.len(),
            self.violations(),
            if self.passed { "PASSED" } else { "FAILED" }
        );
        out
    }
}

/// The failover figures in words: "an order placed after the fault terminal 1.80 s after it;
/// place→terminal p99 during it 2410 ms (64 orders)".
fn failover_line(f: &crate::failover::Failover) -> String {
    let recovery = f.recovery_seconds.map_or_else(
        || "no order placed after the fault terminal".into(),
        |r| format!("an order placed after the fault terminal {r:.2} s after it"),
    );
    let p99 = f
        .p99_during_ms
        .map_or_else(|| "none terminal".into(), |p| format!("{p:.0} ms"));
    format!(
        "failover: {recovery}; place→terminal p99 during it {p99} ({} orders)",
        f.orders_during
    )
}
