//! The short chaos suite for CI: a handful of scenarios that together use every kind of fault
//! (latency, timeout, reset_peer, bandwidth, slicer, outage, SIGKILL of one and of two
//! components, SIGTERM mid-burst and a rolling restart, a backend restart, a backend SIGKILL,
//! a power loss, poison small and oversized, forged payments, an unprocessable payment) on a
//! private native stack, each judged by the
//! checker, its faults all applied and its status history judged. The network faults and a
//! kill come overlapping, from one `storm` (seed 1 draws all of them but bandwidth); each
//! alone is in the catalog (`chaos run --scenario all`, docs/testing.md).
//! Kinds only scenarios awaiting a fix play (`chaos::scenario::AWAITING_FIXES`) would be left
//! out until then. Without a stack it is skipped locally and fails under `CI=true`.

use std::collections::BTreeSet;
use std::time::Duration;

use chaos::report::RunReport;
use chaos::runner::{Settings, run_scenario};
use chaos::scenario::{AWAITING_FIXES, catalog, find};
use chaos::stack::{Stack, StackMode};
use chaos::timeline::FaultKind;

const SUITE: [&str; 13] = [
    "storm",
    "kafka-bandwidth",
    "kill-two-at-once",
    "sigterm-mid-burst",
    "rolling-restart",
    "restart-kafka",
    "crash-redis",
    "power-loss-redis",
    "power-loss-kafka",
    "poison",
    "poison-oversized",
    "forged-payments",
    "unprocessable-payment",
];
const SEED: u64 = 1;
const DURATION: Duration = Duration::from_secs(8);

fn mode() -> StackMode {
    match std::env::var("CHAOS_STACK").as_deref() {
        Ok("native") => StackMode::Native,
        Ok("attach") => StackMode::Attach,
        _ => StackMode::Private,
    }
}

/// The kinds of fault the scenarios in `names` inject.
fn kinds<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeSet<FaultKind> {
    names
        .into_iter()
        .map(|name| find(name).unwrap_or_else(|| panic!("no scenario {name}")))
        .flat_map(|s| s.timeline(SEED, DURATION).faults())
        .collect()
}

#[test]
fn the_suite_covers_every_kind_of_fault_but_those_awaiting_fixes() {
    let used = kinds(SUITE);
    let survived: Vec<String> = catalog()
        .into_iter()
        .filter(|s| !AWAITING_FIXES.contains(&s.name.as_str()))
        .map(|s| s.name)
        .collect();
    let elsewhere = kinds(survived.iter().map(String::as_str));
    // The cluster's kinds are the cluster suite's (tests/cluster.rs).
    let missing: Vec<_> = FaultKind::ALL
        .into_iter()
        .filter(|k| !FaultKind::CLUSTER.contains(k))
        .filter(|k| !used.contains(k) && elsewhere.contains(k))
        .collect();
    assert!(missing.is_empty(), "the suite never injects {missing:?}");
    let awaiting: Vec<_> = SUITE
        .iter()
        .filter(|n| AWAITING_FIXES.contains(n))
        .collect();
    assert!(awaiting.is_empty(), "{awaiting:?} await a fix");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_suite_of_faults_under_load_leaves_no_violation() {
    let stack = match Stack::open(mode(), false).await {
        Ok(stack) => stack,
        Err(error) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("skipping the chaos suite: no stack ({error})");
            return;
        }
        Err(error) => panic!("CI=true and no stack for the chaos suite: {error}"),
    };
    let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let settings = Settings {
        seed: SEED,
        duration: DURATION,
        rate: 15.0,
        patience: Duration::from_secs(90),
        exe: env!("CARGO_BIN_EXE_chaos").into(),
        logs: target.join(format!("chaos-suite-{}", std::process::id())),
    };
    let control = stack.can_restart_backends();
    let mut reports = Vec::new();
    for name in SUITE {
        let scenario = find(name).expect("listed above");
        if !scenario.runs_on(control) {
            // Not offered on a stack the runner does not control (attach mode): said, not run.
            println!("{name}: not offered on this stack (it acts on a backend server)");
            continue;
        }
        let report = run_scenario(&stack, &scenario, &settings)
            .await
            .unwrap_or_else(|e| panic!("{name} could not be run: {e}"));
        reports.push(report);
    }
    let run = RunReport::new(SEED, reports);
    println!("{}", run.table());
    let json = serde_json::to_string_pretty(&run).expect("the report serialises");
    std::fs::write(target.join("chaos-suite-report.json"), json).expect("report written");
    for report in &run.scenarios {
        let name = &report.scenario;
        assert!(report.acknowledged > 0, "{name}: no order was acknowledged");
        assert!(
            report.faults_failed.is_empty(),
            "{name}: faults not injected: {:?}",
            report.faults_failed
        );
        // A catalogued data fault is placed where it has a target and a backend: a skip here
        // would be a fault the scenario claims and did not inject.
        assert!(
            report.faults_skipped.is_empty(),
            "{name}: data faults skipped: {:?}",
            report.faults_skipped
        );
        assert!(
            report.status_changes_checked >= report.terminal,
            "{name}: the status history was not judged ({} changes for {} terminal orders)",
            report.status_changes_checked,
            report.terminal
        );
        assert!(
            report.passed(),
            "{name} failed (logs in {}):\n{:#?}",
            report.logs,
            report
        );
    }
}
