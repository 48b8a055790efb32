//! Plays a timeline against the running system: each step from its own future at its own
//! time, after the earlier steps on the same resource (`crate::schedule`), so a step that
//! waits delays only those that must follow it; what actually happened noted for the report,
//! in timeline order.

mod shared;

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::time::Instant;

pub(crate) use self::shared::{Outcome, Shared};

use crate::cluster::NodeState;
use crate::error::ChaosError;
use crate::fleet::Fleet;
use crate::sabotage::{Sabotaged, Saboteur};
use crate::schedule::ActiveFaults;
use crate::stack::{Backend, DiskWatch, StackScript};
use crate::timeline::{Action, PROBE_PATIENCE, Step, Timeline};
use crate::toxiproxy::Toxiproxy;
use crate::workload::Workload;

/// What the player acts on.
pub struct Player<'a> {
    pub toxiproxy: &'a Toxiproxy,
    pub fleet: &'a Fleet,
    pub workload: &'a Workload,
    pub script: Option<&'a StackScript>,
    /// The data files of backends whose power a step takes.
    pub disks: &'a [DiskWatch],
    /// Where bad data goes.
    pub saboteur: Saboteur<'a>,
    /// A restart SIGKILLs its victims' stop still draining (`Scenario::restart_cuts_drain`).
    pub restart_cuts_drain: bool,
}

/// What playing a timeline did.
#[derive(Debug, Default)]
pub struct Played {
    /// One line per step: when it really happened and any problem.
    pub log: Vec<String>,
    /// The steps that failed: a fault not injected, or not undone. A scenario with any did
    /// not show what it claims to.
    pub failed: Vec<String>,
    /// The data faults skipped, as the simulation skips them: nothing to act on, or a backend
    /// still unreachable well after the plan's faults on it ended. Not failures.
    pub skipped: Vec<String>,
    /// Backends stopped and not started again (the heal starts them).
    pub stopped: BTreeSet<Backend>,
    /// What sabotage steps did (for the checker).
    pub sabotaged: Vec<Sabotaged>,
    /// The Kafka nodes picked and left down by node steps.
    pub nodes: NodeState,
    /// What each operator step did to which dead letter, each operator's outcome.
    pub operated: Vec<String>,
}

impl Player<'_> {
    /// Plays every step, `start` being time zero. Steps that fail are noted, not fatal: the
    /// heal and the checker still run, and the report says the scenario did not inject its
    /// faults.
    pub async fn play(&self, timeline: &Timeline, start: Instant) -> Played {
        let shared = Shared::new(timeline, start);
        let steps = timeline.steps.iter().enumerate();
        let lines =
            futures::future::join_all(steps.map(|(i, step)| self.step(i, step, start, &shared)))
                .await;
        let state = shared.state.into_inner().expect("player state");
        let mut played = Played {
            stopped: state.stopped,
            sabotaged: state.sabotaged,
            operated: state.operated,
            nodes: shared.nodes.into_inner(),
            ..Played::default()
        };
        for (line, outcome) in lines {
            match outcome {
                Err(()) => played.failed.push(line.clone()),
                Ok(Outcome::Skipped(_)) => played.skipped.push(line.clone()),
                Ok(Outcome::Done(_)) => {}
            }
            played.log.push(line);
        }
        played
    }

    async fn step(
        &self,
        i: usize,
        step: &Step,
        start: Instant,
        shared: &Shared,
    ) -> (String, Result<Outcome, ()>) {
        tokio::time::sleep_until(start + step.at).await;
        for &before in &shared.order.after[i] {
            shared.finished(before).await;
        }
        let began = start.elapsed();
        let ends = ActiveFaults::ends(&step.action);
        if !ends {
            shared.state().faults.apply(&step.action);
        }
        let outcome = self.perform(i, &step.action, shared).await;
        if ends {
            shared.state().faults.apply(&step.action);
        }
        shared.done[i].send_replace(true);
        let took = start.elapsed() - began;
        let mut line = format!("+{:>6.2}s  {}", began.as_secs_f64(), step.action);
        let late = began.saturating_sub(step.at);
        if late > Duration::from_millis(500) {
            line.push_str(&format!(" (late by {:.1}s)", late.as_secs_f64()));
        }
        if took > Duration::from_millis(500) {
            line.push_str(&format!(" (took {:.1}s)", took.as_secs_f64()));
        }
        let outcome = match outcome {
            Ok(Outcome::Done(None)) => Ok(Outcome::Done(None)),
            Ok(Outcome::Done(Some(note))) => {
                line.push_str(&format!(" — {note}"));
                Ok(Outcome::Done(None))
            }
            Ok(Outcome::Skipped(why)) => {
                line.push_str(&format!(" — skipped: {why}"));
                Ok(Outcome::Skipped(why))
            }
            Err(error) => {
                line.push_str(&format!(" — FAILED: {error}"));
                Err(())
            }
        };
        tracing::info!("{line}");
        (line, outcome)
    }

    async fn perform(
        &self,
        i: usize,
        action: &Action,
        shared: &Shared,
    ) -> Result<Outcome, ChaosError> {
        let fleet_err = |e: String| ChaosError::component("fleet", e);
        let script = |what: String| self.script.ok_or(ChaosError::NotOffered(what));
        match action {
            Action::AddToxic { backend, toxic } => {
                self.toxiproxy.add_toxic(backend.name(), toxic).await?;
            }
            Action::RemoveToxic { backend, name } => {
                self.toxiproxy.remove_toxic(backend.name(), name).await?;
            }
            Action::Disable(backend) => self.toxiproxy.set_enabled(backend.name(), false).await?,
            Action::Enable(backend) => self.toxiproxy.set_enabled(backend.name(), true).await?,
            Action::Kill(victims) => self.fleet.kill(victims).map_err(fleet_err)?,
            Action::Terminate { victims, .. } => {
                return self.terminate(i, victims, shared).await;
            }
            Action::Restart(victims) => self
                .fleet
                .start(victims)
                .map_err(|e| fleet_err(e.to_string()))?,
            Action::StopBackend(backend) => {
                let script = script(backend.to_string())?;
                shared.state().stopped.insert(*backend);
                script.stop(*backend).await?;
            }
            Action::KillBackend { backend, lose } => {
                let script = script(backend.to_string())?;
                shared.state().stopped.insert(*backend);
                script.kill(*backend).await?;
                if let Some(lose) = lose {
                    return self.lose_unflushed(*backend, *lose).map(Outcome::Done);
                }
            }
            Action::StartBackend(backend) => {
                script(backend.to_string())?.start(*backend).await?;
                shared.state().stopped.remove(backend);
            }
            Action::Poison { .. }
            | Action::Forge(_)
            | Action::CorruptDecision
            | Action::RefusePayment => return self.sabotage(i, action, shared).await,
            Action::Reclock { victim, skew } => {
                return self.reclock(i, *victim, *skew, shared).await;
            }
            Action::Operate(act) => return self.operate(i, *act, shared).await,
            Action::Node(node) => {
                let script = script(node.to_string())?;
                let deployment = self.saboteur.deployment;
                let mut nodes = shared.nodes.lock().await;
                let hit = node
                    .perform(script, self.toxiproxy, deployment, &mut nodes)
                    .await?;
                return Ok(Outcome::Done(Some(hit)));
            }
            Action::Probe => {
                let slow = self.fleet.unanswered(PROBE_PATIENCE).await;
                if !slow.is_empty() {
                    return Err(ChaosError::component("probe", slow.join("; ")));
                }
                return Ok(Outcome::Done(Some("all answered".into())));
            }
            Action::Burst(n) => {
                let workload = self.workload.clone();
                let n = *n;
                tokio::spawn(async move { workload.burst(n).await });
            }
        }
        Ok(Outcome::Done(None))
    }

    /// A deploy's stop of `victims`, judged by `crate::deploy::judge` with whether a backend
    /// fault was in force when the signal went or when they had exited.
    async fn terminate(
        &self,
        i: usize,
        victims: &[saga_components::Component],
        shared: &Shared,
    ) -> Result<Outcome, ChaosError> {
        let taken = self.fleet.take(victims);
        let taken = taken.map_err(|e| ChaosError::component("fleet", e))?;
        let at_signal = shared.state().faults.any();
        let restart = (self.restart_cuts_drain)
            .then(|| shared.order.restarted_at[i].map(|at| shared.start + at))
            .flatten()
            .map(Instant::into_std);
        let stops = crate::deploy::terminate_all(taken, restart).await;
        let backend_fault = at_signal || shared.state().faults.any();
        let lines: Result<Vec<String>, String> = stops
            .into_iter()
            .map(|(c, stopped)| crate::deploy::judge(c, stopped, backend_fault))
            .collect();
        lines
            .map(|l| Outcome::Done(Some(l.join("; "))))
            .map_err(|e| ChaosError::component("deploy", e))
    }

    /// Cuts a killed backend's data files back by `lose`, as a power loss would.
    fn lose_unflushed(
        &self,
        backend: Backend,
        lose: Duration,
    ) -> Result<Option<String>, ChaosError> {
        let disk = self
            .disks
            .iter()
            .find(|d| d.backend() == backend)
            .ok_or_else(|| ChaosError::backend("disk", "its files are not watched"))?;
        let cut = disk
            .lose_unflushed(lose)
            .map_err(|e| ChaosError::backend("disk", e))?;
        Ok(Some(if cut.is_empty() {
            "nothing was unflushed".into()
        } else {
            format!("lost {}", cut.join(", "))
        }))
    }
}
