//! One scenario from start to verdict: a fresh deployment, every component started, steady
//! load and the timeline played together, then the heal, the bounded wait for quiescence and
//! the checker. Toxics, stopped backends and child processes are cleaned up on every path.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use saga_client::percentiles::Percentiles;
use saga_components::{COMPONENTS, registry};
use saga_runtime::CancellationToken;

use crate::deployment::Deployment;
use crate::error::ChaosError;
use crate::failover;
use crate::fleet::{Fleet, Launch};
use crate::heal::{HealGuard, heal};
use crate::judge::quiesce;
use crate::player::Player;
use crate::report::ScenarioReport;
use crate::sabotage::Saboteur;
use crate::scenario::Scenario;
use crate::stack::{Backend, DiskWatch, Stack};
use crate::timeline::{Action, Timeline};
use crate::toxiproxy::Toxiproxy;
use crate::workload::Workload;

/// How a run is carried out.
#[derive(Debug, Clone)]
pub struct Settings {
    pub seed: u64,
    /// Load (and fault) time per scenario.
    pub duration: Duration,
    /// Steady orders per second.
    pub rate: f64,
    /// Bound on the wait for quiescence after the heal.
    pub patience: Duration,
    /// The binary whose hidden `component NAME` subcommand runs a saga component.
    pub exe: PathBuf,
    /// Component logs go to `logs/<scenario>/<component>.log`.
    pub logs: PathBuf,
}

/// Stops the supervisor task when dropped.
struct Supervisor(CancellationToken);

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

fn supervise(fleet: Arc<Fleet>) -> Supervisor {
    let token = CancellationToken::new();
    let stop = token.clone();
    tokio::spawn(async move {
        while !stop.is_cancelled() {
            if let Err(e) = fleet.supervise() {
                tracing::error!("cannot restart a component: {e}");
            }
            tokio::select! {
                () = stop.cancelled() => {}
                () = tokio::time::sleep(Duration::from_millis(250)) => {}
            }
        }
    });
    Supervisor(token)
}

/// Starts watching the data files of every backend whose power the timeline takes.
fn watch_disks(stack: &Stack, timeline: &Timeline, deployment: &Deployment) -> Vec<DiskWatch> {
    let Some(script) = &stack.script else {
        return Vec::new();
    };
    let mut watched = Vec::new();
    for step in &timeline.steps {
        if let Action::KillBackend {
            backend,
            lose: Some(_),
        } = step.action
        {
            if !watched.iter().any(|w: &DiskWatch| w.backend() == backend) {
                let prefix = deployment.prefix.clone();
                watched.push(DiskWatch::start(script.data_dir(), backend, prefix));
            }
        }
    }
    watched
}

/// Plays `scenario` on `stack` and judges the outcome.
///
/// # Errors
/// When the run cannot be carried out (the stack does not answer, components never become
/// healthy before the faults); what the run *finds* is in the report instead.
pub async fn run_scenario(
    stack: &Stack,
    scenario: &Scenario,
    settings: &Settings,
) -> Result<ScenarioReport, ChaosError> {
    let control = stack.can_restart_backends();
    if !scenario.runs_on(control) {
        return Err(ChaosError::NotOffered(scenario.name.clone()));
    }
    let timeline = scenario.timeline_on(settings.seed, settings.duration, control);
    println!(
        "== {} (seed {}): {}\n{timeline}",
        scenario.name, settings.seed, scenario.about
    );
    let toxiproxy = Toxiproxy::new(&stack.endpoints.toxiproxy);
    let script = stack.script.as_ref();
    heal(&toxiproxy, script, &[]).await?;
    let deployment = Deployment::create(&stack.endpoints, &scenario.name).await?;
    let logs = settings.logs.join(&scenario.name);
    let launch = Launch {
        exe: settings.exe.clone(),
        env: deployment.component_env(),
        logs: logs.clone(),
    };
    let fleet = Arc::new(Fleet::new(launch).map_err(|e| ChaosError::component("fleet", e))?);
    let report = {
        let guard = HealGuard::new(&toxiproxy, script);
        let played = (&timeline, scenario.restart_cuts_drain);
        let report = drive(stack, played, settings, &deployment, &fleet, &toxiproxy).await;
        if report.is_ok() {
            // Healed by `drive`; otherwise the guard heals as it drops.
            guard.disarm();
        }
        report
    };
    drop(fleet);
    deployment.remove().await;
    let mut report = report?;
    report.scenario = scenario.name.clone();
    report.timeline = timeline.steps.iter().map(ToString::to_string).collect();
    report.logs = logs.display().to_string();
    Ok(report)
}

/// `timeline`, and whether its restarts cut their stops' drains.
async fn drive(
    stack: &Stack,
    (timeline, restart_cuts_drain): (&Timeline, bool),
    settings: &Settings,
    deployment: &Deployment,
    fleet: &Arc<Fleet>,
    toxiproxy: &Toxiproxy,
) -> Result<ScenarioReport, ChaosError> {
    fleet
        .start(COMPONENTS)
        .map_err(|e| ChaosError::component("fleet", e))?;
    let sick = fleet
        .wait_healthy(Duration::from_secs(90))
        .await
        .map_err(|e| ChaosError::component("fleet", e))?;
    if let Some((first, why)) = sick.first() {
        return Err(ChaosError::component(
            first.name,
            format!(
                "not healthy before the faults ({why}); its log ends:\n{}",
                fleet.log_tail(*first, 15)
            ),
        ));
    }
    let _supervisor = supervise(fleet.clone());
    let workload = Workload::new(
        &format!("http://{}", fleet.addr(registry::GATEWAY)),
        &format!("{}{}-", deployment.prefix, settings.seed),
    );
    let disks = watch_disks(stack, timeline, deployment);
    let player = Player {
        toxiproxy,
        fleet,
        workload: &workload,
        script: stack.script.as_ref(),
        disks: &disks,
        saboteur: Saboteur { deployment },
        restart_cuts_drain,
    };
    let start = tokio::time::Instant::now();
    let start_wall = std::time::SystemTime::now();
    let stop_load = tokio::time::sleep_until(start + settings.duration);
    let (played, ()) = tokio::join!(
        player.play(timeline, start),
        workload.steady(settings.rate, stop_load)
    );
    let mut stopped: Vec<_> = played.stopped.iter().copied().collect();
    if !played.nodes.down.is_empty() && !stopped.contains(&Backend::Kafka) {
        stopped.push(Backend::Kafka);
    }
    heal(toxiproxy, stack.script.as_ref(), &stopped).await?;
    fleet
        .start(COMPONENTS)
        .map_err(|e| ChaosError::component("fleet", e))?;
    let healed = tokio::time::Instant::now();
    let mut log = played.log;
    let faults_failed = played.failed;
    let faults_skipped = played.skipped;
    let operator_acts = played.operated;
    if !workload.drain(Duration::from_secs(60)).await {
        log.push("some orders were still in flight 60 s after the heal".into());
    }
    let tally = workload.tally();
    let elapsed = healed.elapsed();
    let interference = crate::allowances::interference(timeline, &played.sabotaged);
    let verdict = quiesce(
        deployment,
        &tally.acknowledged,
        &interference,
        settings.patience.saturating_sub(elapsed),
    )
    .await;
    let failover = match fault_span(timeline) {
        Some((from, to)) => {
            let measured = failover::measure(
                &deployment.database_direct,
                start_wall + from,
                start_wall + to,
            );
            measured
                .await
                .map_err(|e| tracing::warn!("failover figures: {e}"))
                .ok()
        }
        None => None,
    };
    let audited = fleet
        .audited()
        .await
        .unwrap_or_else(|why| vec![format!("the auditor did not answer: {why}")]);
    let latency = Percentiles::of(tally.latencies.clone());
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok(ScenarioReport {
        scenario: String::new(),
        seed: settings.seed,
        timeline: Vec::new(),
        played: log,
        faults_failed,
        faults_skipped,
        operator_acts,
        status_changes_checked: verdict.status_changes,
        load_seconds: settings.duration.as_secs_f64(),
        attempted: tally.attempted,
        acknowledged: tally.acknowledged.len(),
        terminal: verdict.terminal,
        quarantined: verdict.quarantined,
        requests: tally.requests,
        errors: tally.errors,
        latency_p50_ms: ms(latency.p50),
        latency_p99_ms: ms(latency.p99),
        latency_max_ms: ms(latency.max),
        self_exits: fleet.self_exits(),
        quiesce_seconds: verdict.quiesced_after.map(|d| (d + elapsed).as_secs_f64()),
        violations: verdict.violations.iter().map(ToString::to_string).collect(),
        unreadable: verdict.unreadable,
        failover,
        audited,
        tampered: timeline.tampers(),
        logs: String::new(),
    })
}

/// From the first fault step to the timeline's last step (the one that ends it).
fn fault_span(timeline: &Timeline) -> Option<(Duration, Duration)> {
    let first = timeline.steps.iter().find(|s| s.action.fault().is_some())?;
    let last = timeline.steps.last()?;
    Some((first.at, last.at.max(first.at)))
}
