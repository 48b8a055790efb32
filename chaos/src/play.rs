//! A fault plan (`saga_faults::plan`, written by `sim replay --plan`) as a scenario: each
//! step's real action at its time, undone when it ends, under the plan's load. The runner then
//! plays and judges it like any scenario, with the same checker.

use std::time::Duration;

use saga_components::{Component, registry};
use saga_faults::plan::{Direction, FaultPlan, PlanStep, RealAction};

use crate::error::ChaosError;
use crate::scenario::{Plan, Scenario};
use crate::stack::Backend;
use crate::timeline::Action;
use crate::toxiproxy::{Stream, Toxic, ToxicKind};

/// The scenario that plays `plan`.
///
/// # Errors
/// A step naming a component or backend this build does not know.
pub fn scenario(plan: &FaultPlan) -> Result<Scenario, ChaosError> {
    let mut steps = Vec::new();
    for step in &plan.steps {
        steps.extend(actions(step)?);
    }
    let about = format!(
        "simulated seed {}: {} faults played, {} with no real counterpart",
        plan.seed,
        plan.steps.len(),
        plan.unmapped.len()
    );
    let build = move |p: &mut Plan| {
        for (at, action) in &steps {
            p.at_any_time(*at, action.clone());
        }
    };
    let scenario =
        Scenario::new(format!("plan-seed-{}", plan.seed), about, build).restarts_cutting_drains();
    Ok(if plan.controls_backends() {
        scenario.controlling_backends()
    } else {
        scenario
    })
}

/// The steady rate that places the plan's orders over its load.
pub fn rate(plan: &FaultPlan) -> f64 {
    plan.workload.orders as f64 / load(plan).as_secs_f64().max(1.0)
}

pub fn load(plan: &FaultPlan) -> Duration {
    Duration::from_millis(plan.workload.load_ms)
}

fn component(name: &str) -> Result<Component, ChaosError> {
    registry::find(name).ok_or_else(|| ChaosError::Plan(format!("no component called {name:?}")))
}

fn backend(name: &str) -> Result<Backend, ChaosError> {
    Backend::ALL
        .into_iter()
        .find(|b| b.name() == name)
        .ok_or_else(|| ChaosError::Plan(format!("no backend called {name:?}")))
}

/// The toxics of one step, one per stream it acts on, named after the simulated fault.
fn toxics(step: &PlanStep, kind: ToxicKind, direction: Direction) -> Vec<Toxic> {
    let streams = match direction {
        Direction::Both => vec![Stream::Upstream, Stream::Downstream],
        Direction::Upstream => vec![Stream::Upstream],
        Direction::Downstream => vec![Stream::Downstream],
    };
    streams
        .into_iter()
        .map(|stream| {
            let name = format!("plan-{}-{}-{stream:?}", step.fault, kind.type_name());
            Toxic::new(name.to_lowercase(), kind, stream)
        })
        .collect()
}

fn with_toxics(backend: Backend, toxics: Vec<Toxic>) -> (Vec<Action>, Vec<Action>) {
    let ends = toxics
        .iter()
        .map(|t| Action::RemoveToxic {
            backend,
            name: t.name.clone(),
        })
        .collect();
    let starts = toxics
        .into_iter()
        .map(|toxic| Action::AddToxic { backend, toxic })
        .collect();
    (starts, ends)
}

/// The timed actions that start a step and, when it lasts, end it.
fn actions(step: &PlanStep) -> Result<Vec<(Duration, Action)>, ChaosError> {
    let (starts, ends) = match &step.action {
        RealAction::Kill { component: name } => {
            let victims = vec![component(name)?];
            (
                vec![Action::Kill(victims.clone())],
                vec![Action::Restart(victims)],
            )
        }
        RealAction::Terminate {
            component: name,
            rolling,
        } => {
            let victims = vec![component(name)?];
            let stop = Action::Terminate {
                victims: victims.clone(),
                rolling: *rolling,
            };
            (vec![stop], vec![Action::Restart(victims)])
        }
        RealAction::KillBackend {
            backend: name,
            lose_ms,
        } => {
            let backend = backend(name)?;
            let lose = lose_ms.map(Duration::from_millis);
            (
                vec![Action::KillBackend { backend, lose }],
                vec![Action::StartBackend(backend)],
            )
        }
        RealAction::Outage { backend: name } => {
            let backend = backend(name)?;
            (
                vec![Action::Disable(backend)],
                vec![Action::Enable(backend)],
            )
        }
        RealAction::BlackHole {
            backend: name,
            direction,
        } => {
            let kind = ToxicKind::Timeout { timeout_ms: 0 };
            with_toxics(backend(name)?, toxics(step, kind, *direction))
        }
        RealAction::Latency {
            backend: name,
            latency_ms,
        } => {
            let latency_ms = u32::try_from(*latency_ms).unwrap_or(u32::MAX);
            let kind = ToxicKind::Latency {
                latency_ms,
                jitter_ms: 0,
            };
            with_toxics(backend(name)?, toxics(step, kind, Direction::Both))
        }
        RealAction::Poison { topic, size } => (
            vec![Action::Poison {
                topic: *topic,
                size: *size,
            }],
            Vec::new(),
        ),
        RealAction::Forge { forgery } => (vec![Action::Forge(*forgery)], Vec::new()),
        RealAction::Reclock {
            component: name,
            skew,
        } => {
            let victim = component(name)?;
            let skewed = Action::Reclock {
                victim,
                skew: Some(*skew),
            };
            let right = Action::Reclock { victim, skew: None };
            (vec![skewed], vec![right])
        }
        RealAction::Operate { act } => (vec![Action::Operate(*act)], Vec::new()),
        RealAction::Unprocessable { what } => {
            let action = match what {
                saga_faults::Unprocessable::Decision => Action::CorruptDecision,
                saga_faults::Unprocessable::Payment => Action::RefusePayment,
            };
            (vec![action], Vec::new())
        }
    };
    let at = Duration::from_millis(step.at_ms);
    let until = at + Duration::from_millis(step.lasts_ms.unwrap_or(0));
    let mut timed: Vec<(Duration, Action)> = starts.into_iter().map(|a| (at, a)).collect();
    timed.extend(ends.into_iter().map(|a| (until, a)));
    Ok(timed)
}

#[cfg(test)]
mod tests {
    use saga_faults::plan::PlanWorkload;

    use super::*;

    fn step(fault: usize, at_ms: u64, lasts_ms: Option<u64>, action: RealAction) -> PlanStep {
        PlanStep {
            fault,
            class: "test".into(),
            simulated: String::new(),
            at_ms,
            lasts_ms,
            action,
            note: None,
        }
    }

    #[test]
    fn a_plan_becomes_a_timeline_with_every_fault_undone() {
        let workload = PlanWorkload {
            orders: 100,
            load_ms: 20_000,
        };
        let mut plan = FaultPlan::new(4, 2.5, workload);
        let black_hole = RealAction::BlackHole {
            backend: "kafka".into(),
            direction: Direction::Both,
        };
        plan.push(step(0, 1_000, Some(2_000), black_hole));
        let kill = RealAction::KillBackend {
            backend: "redis".into(),
            lose_ms: Some(1_000),
        };
        plan.push(step(1, 3_000, Some(500), kill));
        let poison = RealAction::Poison {
            topic: saga_core::Topic::Orders,
            size: saga_faults::PoisonSize::Small,
        };
        plan.push(step(2, 25_000, None, poison));
        let scenario = scenario(&plan).unwrap();
        assert!(scenario.needs_backend_control);
        let timeline = scenario.timeline(0, load(&plan));
        // Two toxics on and off, the kill and the start, the poison past the load's end.
        assert_eq!(timeline.steps.len(), 7, "{timeline}");
        let last = timeline.steps.iter().map(|s| s.at).max().unwrap();
        assert_eq!(last, Duration::from_secs(25));
        assert!((rate(&plan) - 5.0).abs() < 1e-9);
    }

    #[test]
    fn a_clock_step_restarts_its_component_twice_and_an_operator_step_acts_once() {
        let workload = PlanWorkload {
            orders: 10,
            load_ms: 10_000,
        };
        let mut plan = FaultPlan::new(5, 1.0, workload);
        let reclock = RealAction::Reclock {
            component: "outbox-relay".into(),
            skew: saga_faults::plan::ClockSkew::Jump { ms: -90_000 },
        };
        plan.push(step(0, 1_000, Some(2_000), reclock));
        let operate = RealAction::Operate {
            act: saga_faults::OperatorAct::TwoReplays,
        };
        plan.push(step(1, 1_500, Some(1_000), operate));
        let timeline = scenario(&plan).unwrap().timeline(0, load(&plan));
        let played: Vec<String> = timeline.steps.iter().map(ToString::to_string).collect();
        assert_eq!(
            played,
            [
                "+  1.00s  restart outbox-relay with CLOCK_OFFSET_MS=-90000",
                "+  1.50s  dead letters: two operators replay the same open dead letter at once",
                "+  3.00s  restart outbox-relay with the right clock",
            ]
        );
    }

    #[test]
    fn an_unknown_component_is_refused() {
        let workload = PlanWorkload {
            orders: 1,
            load_ms: 1,
        };
        let mut plan = FaultPlan::new(0, 1.0, workload);
        let kill = RealAction::Kill {
            component: "meteor".into(),
        };
        plan.push(step(0, 0, Some(1), kill));
        let error = scenario(&plan).err().unwrap().to_string();
        assert!(error.contains("meteor"), "{error}");
    }
}
