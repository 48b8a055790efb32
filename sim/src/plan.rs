//! A seed's run written as a fault plan for the real stack (`saga_faults::plan`): each
//! simulated fault mapped to the action the chaos runner plays for it, times scaled, and the
//! faults with no real counterpart listed with the reason.
//!
//! The real stack runs one process of each component, with one Toxiproxy proxy per backend
//! shared by every component: a fault on one link from a component to a backend becomes a
//! fault on that backend's proxy, felt by every component (the step's note says so); a link
//! between two services, or the clients' link, has no proxy at all.

use std::collections::BTreeSet;
use std::time::Duration;

use saga_faults::plan::{
    Direction, FaultPlan, PlanStep, PlanWorkload, RealAction, SimulatedOutcome, Unmapped,
};

use crate::RunReport;
use crate::fault::{Fault, FaultClass, TimedFault};
use crate::observe::Event;
use crate::world::{INFRA, KAFKA, REDIS, component_of};

/// Longest real fault: a heavy-tailed simulated one (up to four minutes), scaled, would hold a
/// real run for a quarter of an hour; cut, it still outlasts every timeout in the saga.
const LONGEST_REAL_FAULT: Duration = Duration::from_secs(60);

/// The plan of `report`'s run, its load spread over `real_load` of real time.
pub fn plan_of(report: &RunReport, real_load: Duration) -> FaultPlan {
    let schedule = &report.schedule;
    let scale = real_load.as_secs_f64() / schedule.load_for.as_secs_f64();
    let workload = PlanWorkload {
        orders: report.options.orders,
        load_ms: real_load.as_millis() as u64,
    };
    let mut plan = FaultPlan::new(report.options.seed, scale, workload);
    let scaled = |d: Duration| (d.as_secs_f64() * scale * 1000.0).round() as u64;
    for timed in &schedule.faults {
        let TimedFault { id, at, fault } = timed;
        let class = FaultClass::of(fault).name().to_owned();
        match real_action(fault) {
            Ok((action, mut note)) => {
                let mut lasts_ms = fault.lasts().map(scaled);
                let longest = LONGEST_REAL_FAULT.as_millis() as u64;
                if lasts_ms.is_some_and(|ms| ms > longest) {
                    lasts_ms = Some(longest);
                    let cut = format!("cut to {} s", LONGEST_REAL_FAULT.as_secs());
                    note = Some(note.map_or(cut.clone(), |n| format!("{n}; {cut}")));
                }
                plan.push(PlanStep {
                    fault: *id,
                    class,
                    simulated: fault.to_string(),
                    at_ms: scaled(*at),
                    lasts_ms,
                    action,
                    note,
                });
            }
            Err(why) => plan.unmapped.push(Unmapped {
                fault: *id,
                class,
                simulated: fault.to_string(),
                why: why.to_owned(),
            }),
        }
    }
    plan.simulated = outcome(report);
    plan
}

/// Orders the trace shows reaching a terminal status, and orders made unprocessable.
fn settled(report: &RunReport) -> (usize, usize) {
    let mut terminal = BTreeSet::new();
    let mut quarantined = BTreeSet::new();
    for line in &report.trace {
        match &line.event {
            Event::StatusChanged { order, to, .. } if to.is_terminal() => {
                terminal.insert(*order);
            }
            Event::Quarantined { order, .. } => {
                quarantined.insert(*order);
            }
            _ => {}
        }
    }
    let quarantined = quarantined.difference(&terminal).count();
    (terminal.len(), quarantined)
}

fn outcome(report: &RunReport) -> SimulatedOutcome {
    let (terminal, quarantined) = settled(report);
    SimulatedOutcome {
        passed: report.passed(),
        acknowledged: report.acknowledged,
        created: report.created,
        terminal,
        quarantined,
        violations: report
            .violations
            .iter()
            .map(|v| match v.order_id {
                Some(order) => format!("{}: order {order}: {}", v.property.name(), v.detail),
                None => format!("{}: {}", v.property.name(), v.detail),
            })
            .collect(),
        failure: report.failure.clone(),
    }
}

const ONE_INSTANCE: &str = "the real run has one process of each component: no second instance";
const NO_PROXY: &str = "no proxy on a link between two services or from the clients";

/// The component a service host runs, unless the host is a second instance.
fn component(host: &str) -> Result<String, &'static str> {
    match component_of(host) {
        Some(c) if c.name == host => Ok(c.name.to_owned()),
        Some(_) => Err(ONE_INSTANCE),
        None => Err(NO_PROXY),
    }
}

fn is_backend(host: &str) -> bool {
    INFRA.contains(&host)
}

/// The backend end of a link from a primary component, and the direction `from -> to` takes.
fn backend_link(from: &str, to: &str) -> Result<(String, Direction), &'static str> {
    let (service, backend, direction) = match (is_backend(from), is_backend(to)) {
        (false, true) => (from, to, Direction::Upstream),
        (true, false) => (to, from, Direction::Downstream),
        _ => return Err(NO_PROXY),
    };
    component(service)?;
    Ok((backend.to_owned(), direction))
}

const WIDENED: &str = "widened: the backend's one proxy is shared, so every component feels it";

const RECLOCKED: &str = "a real clock port is read at start: the component is restarted \
                         (SIGTERM, then start) with the skew, and again without it at the end; \
                         the simulated host keeps running";

const CUT_OFF: &str = "the operator's Kafka is a loopback listener that never answers, so its \
                       own connection, not the shared proxy, is cut";

const ONE_RELEASE: &str = "the real stack runs one release: the restart is played (SIGTERM, then \
                           start), the previous release's reader and the writer's switch are not";

type Mapped = (RealAction, Option<String>);

fn real_action(fault: &Fault) -> Result<Mapped, &'static str> {
    let widened = Some(WIDENED.to_owned());
    Ok(match fault {
        Fault::Crash { host, .. } if is_backend(host) => (
            RealAction::KillBackend {
                backend: (*host).to_owned(),
                lose_ms: None,
            },
            None,
        ),
        Fault::Crash { host, .. } => (
            RealAction::Kill {
                component: component(host)?,
            },
            None,
        ),
        Fault::PowerLoss {
            host, unflushed, ..
        } => power_loss(host, *unflushed),
        Fault::BlackHole { host, .. } => (
            RealAction::BlackHole {
                backend: (*host).to_owned(),
                direction: Direction::Both,
            },
            None,
        ),
        Fault::Partition { a, b, .. } => {
            let (backend, _) = backend_link(a, b)?;
            (RealAction::Outage { backend }, widened)
        }
        Fault::PartitionOneWay { from, to, .. } => {
            let (backend, direction) = backend_link(from, to)?;
            let note = "a one-way timeout toxic: the other way still flows, but TCP's \
                        acknowledgements stall with the data; widened to every component";
            (
                RealAction::BlackHole { backend, direction },
                Some(note.to_owned()),
            )
        }
        Fault::LatencySpike { a, b, latency, .. } => {
            let (backend, _) = backend_link(a, b)?;
            let latency_ms = latency.as_millis() as u64;
            (
                RealAction::Latency {
                    backend,
                    latency_ms,
                },
                widened,
            )
        }
        Fault::Poison { topic, size } => (
            RealAction::Poison {
                topic: *topic,
                size: *size,
            },
            None,
        ),
        Fault::Forge { forgery } => (RealAction::Forge { forgery: *forgery }, None),
        Fault::Unprocessable { what } => (RealAction::Unprocessable { what: *what }, None),
        Fault::GracefulStop { host, rolling, .. } => (
            RealAction::Terminate {
                component: component(host)?,
                rolling: *rolling,
            },
            None,
        ),
        Fault::Hold { .. } => {
            return Err("Toxiproxy cannot hold a link's bytes and release them all at once");
        }
        Fault::Rebalance { .. } => {
            return Err("no way to force one group's rebalance from outside without a restart");
        }
        Fault::DuplicateAppends { .. } => {
            return Err("the real broker's idempotent producer appends a publish once");
        }
        Fault::AmbiguousCommits { .. } => {
            return Err("Toxiproxy cannot drop only the answers to applied writes");
        }
        Fault::UncleanElection { .. } => {
            return Err("one broker has no replica outside the ISR to elect");
        }
        Fault::DiskLoss { .. } => {
            return Err("the runner does not wipe a backend's data directory mid-run");
        }
        Fault::ClockSkew { host, skew, .. } => (
            RealAction::Reclock {
                component: component(host)?,
                skew: *skew,
            },
            Some(RECLOCKED.to_owned()),
        ),
        Fault::Operate { act, .. } => {
            let note = act.cut_off().then(|| CUT_OFF.to_owned());
            (RealAction::Operate { act: *act }, note)
        }
        Fault::Upgrade { host, .. } => (
            RealAction::Terminate {
                component: component(host)?,
                rolling: true,
            },
            Some(ONE_RELEASE.to_owned()),
        ),
    })
}

/// Power loss: a kill, with the unflushed tail cut where the simulation loses one — Kafka's
/// last `unflushed`, Redis's last second (`appendfsync everysec`); PostgreSQL fsyncs on
/// commit and loses nothing.
fn power_loss(host: &str, unflushed: Duration) -> Mapped {
    let lose_ms = match host {
        KAFKA => Some(unflushed.as_millis() as u64),
        REDIS => Some(1_000),
        _ => None,
    };
    let action = RealAction::KillBackend {
        backend: host.to_owned(),
        lose_ms,
    };
    (action, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::{ClockSkew, OperatorAct};

    fn mapped(fault: Fault) -> Result<RealAction, &'static str> {
        real_action(&fault).map(|(action, _)| action)
    }

    #[test]
    fn faults_map_to_their_real_actions_or_say_why_not() {
        let down = Duration::from_millis(500);
        assert_eq!(
            mapped(Fault::Crash {
                host: "payment-worker",
                down
            }),
            Ok(RealAction::Kill {
                component: "payment-worker".into()
            })
        );
        assert_eq!(
            mapped(Fault::Crash {
                host: "payment-worker-2",
                down
            }),
            Err(ONE_INSTANCE)
        );
        assert_eq!(
            mapped(Fault::PartitionOneWay {
                from: KAFKA,
                to: "outbox-relay",
                lasts: down
            }),
            Ok(RealAction::BlackHole {
                backend: KAFKA.into(),
                direction: Direction::Downstream
            })
        );
        assert_eq!(
            mapped(Fault::Partition {
                a: "gateway",
                b: "order-api",
                lasts: down
            }),
            Err(NO_PROXY)
        );
        assert_eq!(
            mapped(Fault::PowerLoss {
                host: REDIS,
                down,
                unflushed: down
            }),
            Ok(RealAction::KillBackend {
                backend: REDIS.into(),
                lose_ms: Some(1_000)
            })
        );
        assert!(mapped(Fault::DuplicateAppends { lasts: down }).is_err());
    }

    #[test]
    fn clock_faults_restart_their_component_and_operators_act_on_the_real_letters() {
        let lasts = Duration::from_secs(3);
        let drift = ClockSkew::Drift { per_mille: -120 };
        assert_eq!(
            mapped(Fault::ClockSkew {
                host: "outbox-relay",
                skew: drift,
                lasts
            }),
            Ok(RealAction::Reclock {
                component: "outbox-relay".into(),
                skew: drift
            })
        );
        let jump = ClockSkew::Jump { ms: -90_000 };
        assert_eq!(
            mapped(Fault::ClockSkew {
                host: "payment-worker-2",
                skew: jump,
                lasts
            }),
            Err(ONE_INSTANCE)
        );
        for act in [OperatorAct::TwoReplays, OperatorAct::ReplayCutOff] {
            assert_eq!(
                mapped(Fault::Operate { act, lasts }),
                Ok(RealAction::Operate { act })
            );
        }
        let (_, note) = real_action(&Fault::Operate {
            act: OperatorAct::ReplayCutOff,
            lasts,
        })
        .unwrap();
        assert_eq!(note.as_deref(), Some(CUT_OFF));
    }

    #[test]
    fn a_seed_writes_a_plan_whose_times_are_scaled_and_every_fault_is_accounted_for() {
        let options = crate::RunOptions::new(3);
        let schedule = crate::fault::generate(3, &options.faults);
        let report = RunReport {
            options,
            schedule: schedule.clone(),
            violations: Vec::new(),
            failure: None,
            coverage: Default::default(),
            hash: 0,
            trace: Vec::new(),
            sim_time: Duration::ZERO,
            wall_time: Duration::ZERO,
            acknowledged: 100,
            created: 100,
        };
        let real = schedule.load_for * 3;
        let plan = plan_of(&report, real);
        assert!((plan.scale - 3.0).abs() < 1e-9);
        assert_eq!(
            plan.steps.len() + plan.unmapped.len(),
            schedule.faults.len()
        );
        for step in &plan.steps {
            let fault = &schedule.faults.iter().find(|f| f.id == step.fault).unwrap();
            let expected = fault.at.as_millis() as u64 * 3;
            assert!(step.at_ms.abs_diff(expected) <= 3, "{step:?}");
        }
        assert!(plan.simulated.passed);
    }
}
