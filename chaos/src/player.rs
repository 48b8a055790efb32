//! Plays a timeline against the running system: each step at its time (a step that takes
//! long, such as starting Kafka, delays the ones after it), with what actually happened
//! noted for the report.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::time::Instant;

use crate::cluster::NodeState;
use crate::error::ChaosError;
use crate::fleet::Fleet;
use crate::sabotage::{Sabotaged, Saboteur};
use crate::stack::{Backend, DiskWatch, StackScript};
use crate::timeline::{Action, PROBE_PATIENCE, Timeline};
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
}

/// What playing a timeline did.
#[derive(Debug, Default)]
pub struct Played {
    /// One line per step: when it really happened and any problem.
    pub log: Vec<String>,
    /// The steps that failed: a fault not injected, or not undone. A scenario with any did
    /// not show what it claims to.
    pub failed: Vec<String>,
    /// Backends stopped and not started again (the heal starts them).
    pub stopped: BTreeSet<Backend>,
    /// What sabotage steps did (for the checker).
    pub sabotaged: Vec<Sabotaged>,
    /// The Kafka nodes picked and left down by node steps.
    pub nodes: NodeState,
}

impl Player<'_> {
    /// Plays every step, `start` being time zero. Steps that fail are noted, not fatal: the
    /// heal and the checker still run, and the report says the scenario did not inject its
    /// faults.
    pub async fn play(&self, timeline: &Timeline, start: Instant) -> Played {
        let mut played = Played::default();
        for step in &timeline.steps {
            tokio::time::sleep_until(start + step.at).await;
            let began = start.elapsed();
            let outcome = self.perform(&step.action, &mut played).await;
            let took = start.elapsed() - began;
            let mut line = format!("+{:>6.2}s  {}", began.as_secs_f64(), step.action);
            if took > Duration::from_millis(500) {
                line.push_str(&format!(" (took {:.1}s)", took.as_secs_f64()));
            }
            match outcome {
                Ok(None) => {}
                Ok(Some(note)) => line.push_str(&format!(" — {note}")),
                Err(error) => {
                    line.push_str(&format!(" — FAILED: {error}"));
                    played.failed.push(line.clone());
                }
            }
            tracing::info!("{line}");
            played.log.push(line);
        }
        played
    }

    async fn perform(
        &self,
        action: &Action,
        played: &mut Played,
    ) -> Result<Option<String>, ChaosError> {
        let stopped = &mut played.stopped;
        match action {
            Action::AddToxic { backend, toxic } => {
                self.toxiproxy.add_toxic(backend.name(), toxic).await?;
            }
            Action::RemoveToxic { backend, name } => {
                self.toxiproxy.remove_toxic(backend.name(), name).await?;
            }
            Action::Disable(backend) => self.toxiproxy.set_enabled(backend.name(), false).await?,
            Action::Enable(backend) => self.toxiproxy.set_enabled(backend.name(), true).await?,
            Action::Kill(victims) => self
                .fleet
                .kill(victims)
                .map_err(|e| ChaosError::component("fleet", e))?,
            Action::Terminate { victims, .. } => {
                let taken = self.fleet.take(victims);
                let taken = taken.map_err(|e| ChaosError::component("fleet", e))?;
                let stopped = crate::deploy::terminate_all(taken).await;
                return stopped
                    .map(Some)
                    .map_err(|e| ChaosError::component("deploy", e));
            }
            Action::Restart(victims) => self
                .fleet
                .start(victims)
                .map_err(|e| ChaosError::component("fleet", e))?,
            Action::StopBackend(backend) => {
                let script = self
                    .script
                    .ok_or(ChaosError::NotOffered(backend.to_string()))?;
                stopped.insert(*backend);
                script.stop(*backend).await?;
            }
            Action::KillBackend { backend, lose } => {
                let script = self
                    .script
                    .ok_or(ChaosError::NotOffered(backend.to_string()))?;
                stopped.insert(*backend);
                script.kill(*backend).await?;
                if let Some(lose) = lose {
                    let disk = self
                        .disks
                        .iter()
                        .find(|d| d.backend() == *backend)
                        .ok_or_else(|| ChaosError::backend("disk", "its files are not watched"))?;
                    let cut = disk
                        .lose_unflushed(*lose)
                        .map_err(|e| ChaosError::backend("disk", e))?;
                    return Ok(Some(if cut.is_empty() {
                        "nothing was unflushed".into()
                    } else {
                        format!("lost {}", cut.join(", "))
                    }));
                }
            }
            Action::StartBackend(backend) => {
                let script = self
                    .script
                    .ok_or(ChaosError::NotOffered(backend.to_string()))?;
                script.start(*backend).await?;
                stopped.remove(backend);
            }
            Action::Poison { topic, size } => {
                played
                    .sabotaged
                    .push(self.saboteur.poison(*topic, *size).await?);
            }
            Action::Forge(forgery) => {
                let done = self.saboteur.forge(*forgery).await?;
                let note = format!("{done:?}");
                played.sabotaged.push(done);
                return Ok(Some(note));
            }
            Action::CorruptDecision => {
                let done = self.saboteur.corrupt_decision().await?;
                let note = format!("{done:?}");
                played.sabotaged.push(done);
                return Ok(Some(note));
            }
            Action::RefusePayment => {
                let done = self.saboteur.refuse_payment().await?;
                let note = format!("{done:?}");
                played.sabotaged.push(done);
                return Ok(Some(note));
            }
            Action::Node(node) => {
                let script = self
                    .script
                    .ok_or(ChaosError::NotOffered(node.to_string()))?;
                let deployment = self.saboteur.deployment;
                let hit = node
                    .perform(script, self.toxiproxy, deployment, &mut played.nodes)
                    .await?;
                return Ok(Some(hit));
            }
            Action::Probe => {
                let slow = self.fleet.unanswered(PROBE_PATIENCE).await;
                if !slow.is_empty() {
                    return Err(ChaosError::component("probe", slow.join("; ")));
                }
                return Ok(Some("all answered".into()));
            }
            Action::Burst(n) => {
                let workload = self.workload.clone();
                let n = *n;
                tokio::spawn(async move { workload.burst(n).await });
            }
        }
        Ok(None)
    }
}
