//! Conformance: one simulated seed played in both worlds. The simulation writes the seed's
//! plan with its verdict (`sim replay --plan`), the runner plays the plan on the real stack,
//! and a row compares the two: faults played, both verdicts, and every difference with the
//! reason the row can give for it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use saga_faults::plan::FaultPlan;
use serde::Serialize;

use crate::error::ChaosError;
use crate::report::ScenarioReport;

/// One seed in both worlds.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub seed: u64,
    /// Simulated faults the real stack played, and all of the seed's.
    pub played: usize,
    pub faults: usize,
    /// The data faults the real stack skipped as the simulation skips them (nothing to act
    /// on, or a backend unreachable past the bound), counted apart from the unplayed: the
    /// step's line with the reason.
    pub skipped: Vec<String>,
    pub unmapped_classes: Vec<String>,
    /// What the real operators did: the dead letter, each operator's action and outcome.
    pub operator_acts: Vec<String>,
    pub simulated_passed: bool,
    pub real_passed: bool,
    /// Wall-clock seconds: writing the plan (the simulated run), and the real run.
    pub sim_seconds: f64,
    pub real_seconds: f64,
    /// What differs between the worlds, each with its reason where the row can tell.
    pub differences: Vec<String>,
}

/// Runs `sim replay --seed N --real-load S --plan FILE` with the simulation's command `sim` (its exit
/// status is the simulated verdict, which the plan records too) and reads the plan back.
///
/// # Errors
/// The simulation could not run or wrote no readable plan.
pub fn simulate(
    sim: &Path,
    seed: u64,
    real_load: Duration,
    dir: &Path,
) -> Result<(FaultPlan, Duration), ChaosError> {
    let path = dir.join(format!("seed-{seed}.json"));
    let started = Instant::now();
    let output = std::process::Command::new(sim)
        .args(["replay", "--seed", &seed.to_string(), "--real-load"])
        .arg(real_load.as_secs().to_string())
        .arg("--plan")
        .arg(&path)
        .output()
        .map_err(|e| ChaosError::Plan(format!("cannot run {}: {e}", sim.display())))?;
    let took = started.elapsed();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        let stderr = String::from_utf8_lossy(&output.stderr);
        ChaosError::Plan(format!("{} wrote no plan ({e}): {stderr}", sim.display()))
    })?;
    let plan = FaultPlan::from_json(&text).map_err(|e| ChaosError::Plan(e.to_string()))?;
    Ok((plan, took))
}

/// The row of a seed played in both worlds.
pub fn row(
    plan: &FaultPlan,
    real: &ScenarioReport,
    sim_took: Duration,
    real_took: Duration,
) -> Row {
    Row {
        seed: plan.seed,
        played: plan.steps.len().saturating_sub(real.faults_skipped.len()),
        skipped: real.faults_skipped.clone(),
        faults: plan.steps.len() + plan.unmapped.len(),
        unmapped_classes: plan
            .unmapped_classes()
            .into_iter()
            .map(str::to_owned)
            .collect(),
        operator_acts: real.operator_acts.clone(),
        simulated_passed: plan.simulated.passed,
        real_passed: real.passed(),
        sim_seconds: sim_took.as_secs_f64(),
        real_seconds: real_took.as_secs_f64(),
        differences: differences(plan, real),
    }
}

/// The known reasons a real fault step fails where its simulated fault did not (each in
/// sim/FINDINGS.md), by what the step's failure says.
const KNOWN: [(&str, &str); 2] = [
    (
        "stopped with signal: 15",
        "SIGTERM while the component was still starting (waiting for a backend): the start-up \
         path installs no stop handler; the simulation never checks how a stopped host ends",
    ),
    (
        "stopped with exit status",
        "the component exited with a failure after SIGTERM with no backend fault in force (or \
         within its own grace period): its shutdown path failed, which the simulation, never \
         checking how a stopped host ends, cannot see",
    ),
];

/// A failed step's line, with the known reason for it when there is one.
fn explained(failed: &str) -> String {
    match KNOWN.iter().find(|(mark, _)| failed.contains(mark)) {
        Some((_, why)) => format!("real: fault not played: {failed}\n          why: {why}"),
        None => format!("real: fault not played: {failed}"),
    }
}

/// Why the real run failed, one line each, as the report says it.
fn real_failures(real: &ScenarioReport) -> Vec<String> {
    let mut why: Vec<String> = real
        .violations
        .iter()
        .map(|v| format!("real: {v}"))
        .collect();
    why.extend(real.faults_failed.iter().map(|f| explained(f)));
    if let Some(unreadable) = &real.unreadable {
        why.push(format!("real: state unreadable: {unreadable}"));
    }
    let settled = real.terminal + real.quarantined;
    if settled < real.acknowledged {
        why.push(format!(
            "real: {} of {} acknowledged orders neither terminal nor quarantined",
            real.acknowledged - settled,
            real.acknowledged
        ));
    }
    if real.quiesce_seconds.is_none() {
        why.push("real: never quiescent within the patience".into());
    }
    if !real.tampered && !real.audited.is_empty() {
        why.extend(
            real.audited
                .iter()
                .map(|a| format!("real: auditor counted {a}")),
        );
    }
    why
}

/// How the orders ended, where the worlds differ: left PENDING without being made
/// unprocessable, or made unprocessable. The two worlds place different orders (ids and
/// payment coins are each world's own), so orders are compared by how many ended each way.
fn fates(plan: &FaultPlan, real: &ScenarioReport) -> Vec<String> {
    let sim = &plan.simulated;
    let stuck = |acked: usize, terminal: usize, quarantined: usize| {
        acked.saturating_sub(terminal + quarantined)
    };
    let sim_stuck = stuck(sim.acknowledged, sim.terminal, sim.quarantined);
    let real_stuck = stuck(real.acknowledged, real.terminal, real.quarantined);
    let mut found = Vec::new();
    if sim_stuck != real_stuck {
        found.push(format!(
            "orders left PENDING: simulated {sim_stuck} of {}, real {real_stuck} of {}",
            sim.acknowledged, real.acknowledged
        ));
    }
    if sim.quarantined != real.quarantined {
        found.push(format!(
            "orders made unprocessable and left PENDING: simulated {}, real {} (each world \
             picks the target from its own state, and one may settle before the fault lands)",
            sim.quarantined, real.quarantined
        ));
    }
    found
}

/// What differs: the orders and properties one world's checker names and the other's does
/// not, and how the orders ended, with the reason where the plan gives one (a class only the
/// simulation played).
pub fn differences(plan: &FaultPlan, real: &ScenarioReport) -> Vec<String> {
    let mut found = fates(plan, real);
    let unmapped = plan.unmapped_classes().join(", ");
    if !plan.simulated.passed && real.passed() {
        for v in &plan.simulated.violations {
            found.push(format!("simulated only: {v}"));
        }
        if let Some(failure) = &plan.simulated.failure {
            found.push(format!("simulated only: {failure}"));
        }
        if !unmapped.is_empty() {
            found.push(format!(
                "why: the simulation also played {unmapped}, which the real stack did not"
            ));
        }
    }
    if plan.simulated.passed && !real.passed() {
        found.extend(real_failures(real));
        found.push(
            "why: the real stack failed faults the simulation survives: a finding for \
             sim/FINDINGS.md (an unfaithful model or a missing fault class)"
                .into(),
        );
    }
    if !plan.simulated.passed && !real.passed() {
        found.extend(
            plan.simulated
                .violations
                .iter()
                .map(|v| format!("simulated: {v}")),
        );
        found.extend(real_failures(real));
    }
    found
}

/// The table: one line per seed, its differences indented below it.
pub fn table(rows: &[Row]) -> String {
    let verdict = |passed: bool| if passed { "pass" } else { "FAIL" };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>5} {:>7} {:>4}  {:<9} {:<9} {:>6} {:>7}  unmapped classes",
        "seed", "played", "skip", "simulated", "real", "sim s", "real s"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:>5} {:>3}/{:<3} {:>4}  {:<9} {:<9} {:>6.1} {:>7.1}  {}",
            r.seed,
            r.played,
            r.faults,
            r.skipped.len(),
            verdict(r.simulated_passed),
            verdict(r.real_passed),
            r.sim_seconds,
            r.real_seconds,
            if r.unmapped_classes.is_empty() {
                "-".to_owned()
            } else {
                r.unmapped_classes.join(",")
            }
        );
        for step in &r.skipped {
            let _ = writeln!(out, "        real: skipped {}", step.trim_start());
        }
        for act in &r.operator_acts {
            let _ = writeln!(out, "        real: operators: {act}");
        }
        for d in &r.differences {
            let _ = writeln!(out, "        {d}");
        }
    }
    let agree = rows
        .iter()
        .filter(|r| r.simulated_passed == r.real_passed)
        .count();
    let mean = |f: fn(&Row) -> f64| rows.iter().map(f).sum::<f64>() / rows.len().max(1) as f64;
    let _ = writeln!(
        out,
        "{agree} of {} seeds agree; per seed {:.1} s simulated, {:.1} s real",
        rows.len(),
        mean(|r| r.sim_seconds),
        mean(|r| r.real_seconds)
    );
    out
}

/// The simulation's command in this source tree (`scripts/sim`), when the tree is there.
pub fn default_sim() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/sim"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_step_failure_gets_its_reason_and_another_none() {
        let drain = explained(
            "SIGTERM payment-worker — FAILED: deploy: payment-worker stopped with exit status: 1 after 2100 ms",
        );
        assert!(drain.contains("shutdown path failed"), "{drain}");
        let stop =
            explained("SIGTERM order-api — FAILED: deploy: order-api stopped with signal: 15");
        assert!(stop.contains("installs no stop handler"), "{stop}");
        assert!(!explained("kafka: add latency — FAILED: 500").contains("why"));
    }

    fn passing_report(skipped: Vec<String>) -> ScenarioReport {
        ScenarioReport {
            scenario: "plan-seed-4".into(),
            seed: 4,
            timeline: Vec::new(),
            played: Vec::new(),
            faults_failed: Vec::new(),
            faults_skipped: skipped,
            operator_acts: Vec::new(),
            status_changes_checked: 3,
            load_seconds: 12.0,
            attempted: 3,
            acknowledged: 3,
            terminal: 3,
            quarantined: 0,
            requests: 3,
            errors: Default::default(),
            latency_p50_ms: 1.0,
            latency_p99_ms: 2.0,
            latency_max_ms: 3.0,
            self_exits: Default::default(),
            quiesce_seconds: Some(1.0),
            violations: Vec::new(),
            unreadable: None,
            failover: None,
            audited: Vec::new(),
            tampered: true,
            logs: String::new(),
        }
    }

    #[test]
    fn a_skipped_data_fault_is_counted_apart_and_fails_nothing() {
        use saga_faults::plan::{PlanStep, PlanWorkload, RealAction};
        let workload = PlanWorkload {
            orders: 3,
            load_ms: 12_000,
        };
        let mut plan = FaultPlan::new(4, 1.0, workload);
        plan.simulated.passed = true;
        for (fault, at_ms) in [(0, 1_000), (1, 2_000)] {
            plan.push(PlanStep {
                fault,
                class: "forgery".into(),
                simulated: String::new(),
                at_ms,
                lasts_ms: None,
                action: RealAction::Forge {
                    forgery: saga_faults::Forgery::Contradiction,
                },
                note: None,
            });
        }
        let skip = "+  1.00s  payments: forge — skipped: no target: no order to forge".to_owned();
        let real = passing_report(vec![skip]);
        assert!(real.passed());
        let row = row(&plan, &real, Duration::ZERO, Duration::ZERO);
        assert_eq!((row.played, row.skipped.len(), row.faults), (1, 1, 2));
        assert!(row.differences.is_empty(), "{:?}", row.differences);
        let table = table(&[row]);
        assert!(
            table.contains("real: skipped +  1.00s  payments: forge"),
            "{table}"
        );
        assert!(table.contains("1 of 1 seeds agree"), "{table}");
    }
}
