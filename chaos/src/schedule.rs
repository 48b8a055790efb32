//! When each step of a timeline may play. Every step plays at its own time, so a step that
//! waits (a stop draining, a data fault waiting for its backend) delays no other — except the
//! steps that must follow it: an earlier step on the same resource (a restart after its own
//! stop, a toxic removed after it was added, the stops of a rolling restart one at a time).
//! And which planned faults keep a data fault's backends down when it falls: the steps that
//! end them, which the data fault waits for when it finds its backend unreachable.

use crate::stack::Backend;
use crate::timeline::{Action, Timeline};
use crate::toxiproxy::ToxicKind;

/// What a step acts on: two steps on one resource play in timeline order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Resource {
    Component(&'static str),
    Proxy(Backend),
    Server(Backend),
    /// The nodes of a replicated Kafka cluster (a node step may pick the last one picked).
    Nodes,
    /// One stop of a rolling restart at a time.
    Rolling,
}

pub fn resources(action: &Action) -> Vec<Resource> {
    let components = |v: &[saga_components::Component]| -> Vec<Resource> {
        v.iter().map(|c| Resource::Component(c.name)).collect()
    };
    match action {
        Action::AddToxic { backend, .. }
        | Action::RemoveToxic { backend, .. }
        | Action::Disable(backend)
        | Action::Enable(backend) => vec![Resource::Proxy(*backend)],
        Action::Kill(victims) | Action::Restart(victims) => components(victims),
        Action::Reclock { victim, .. } => vec![Resource::Component(victim.name)],
        Action::Terminate { victims, rolling } => {
            let mut held = components(victims);
            if *rolling {
                held.push(Resource::Rolling);
            }
            held
        }
        Action::StopBackend(backend)
        | Action::KillBackend { backend, .. }
        | Action::StartBackend(backend) => vec![Resource::Server(*backend)],
        Action::Node(_) => vec![Resource::Nodes],
        Action::Burst(_)
        | Action::Poison { .. }
        | Action::Forge(_)
        | Action::CorruptDecision
        | Action::RefusePayment
        | Action::Operate(_)
        | Action::Probe => Vec::new(),
    }
}

/// The backends a data fault reads or writes through.
pub fn needs(action: &Action) -> Vec<Backend> {
    match action {
        Action::Poison { .. } => vec![Backend::Kafka],
        Action::Forge(_) => vec![Backend::Postgres, Backend::Kafka],
        Action::CorruptDecision => vec![Backend::Postgres, Backend::Redis],
        Action::RefusePayment => vec![Backend::Postgres],
        Action::Operate(_) => vec![Backend::Postgres, Backend::Kafka],
        _ => Vec::new(),
    }
}

/// A fault on a backend a step starts or ends; `down`: the backend cannot be reached while
/// it lasts (a stopped server, a disabled proxy, a toxic that swallows or resets).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BackendFault {
    pub backend: Backend,
    /// Tells one fault from another on the same backend: `server`, `proxy` or a toxic's name.
    pub key: String,
    pub down: bool,
}

/// Whether the action starts (`Some((fault, true))`) or ends (`false`) a backend fault.
pub fn backend_fault(action: &Action) -> Option<(BackendFault, bool)> {
    let fault = |backend: Backend, key: &str, down: bool| BackendFault {
        backend,
        key: key.to_owned(),
        down,
    };
    Some(match action {
        Action::StopBackend(b) | Action::KillBackend { backend: b, .. } => {
            (fault(*b, "server", true), true)
        }
        Action::StartBackend(b) => (fault(*b, "server", true), false),
        Action::Disable(b) => (fault(*b, "proxy", true), true),
        Action::Enable(b) => (fault(*b, "proxy", true), false),
        Action::AddToxic { backend, toxic } => {
            let down = matches!(
                toxic.kind,
                ToxicKind::Timeout { .. } | ToxicKind::ResetPeer { .. }
            );
            (fault(*backend, &toxic.name, down), true)
        }
        Action::RemoveToxic { backend, name } => (fault(*backend, name, false), false),
        _ => return None,
    })
}

/// Whether two faults are the same one (a toxic's end does not know whether it was `down`).
fn same(a: &BackendFault, b: &BackendFault) -> bool {
    a.backend == b.backend && a.key == b.key
}

/// The order constraints of a timeline, by step index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The earlier steps each step plays after: the last one before it on each of its
    /// resources.
    pub after: Vec<Vec<usize>>,
    /// For a data fault, the steps that end the faults keeping a backend it needs down when it
    /// falls (by timeline order). Empty for other steps.
    pub backends_back: Vec<Vec<usize>>,
    /// For a stop, when its victims' next restart is planned, if one is; for a clock restart,
    /// when the next step on its component is.
    pub restarted_at: Vec<Option<std::time::Duration>>,
}

impl Order {
    pub fn of(timeline: &Timeline) -> Self {
        let steps = &timeline.steps;
        let mut after = Vec::with_capacity(steps.len());
        let mut backends_back = Vec::with_capacity(steps.len());
        for (i, step) in steps.iter().enumerate() {
            let mut before: Vec<usize> = resources(&step.action)
                .into_iter()
                .filter_map(|r| {
                    (0..i)
                        .rev()
                        .find(|&j| resources(&steps[j].action).contains(&r))
                })
                .collect();
            before.sort_unstable();
            before.dedup();
            after.push(before);
            let needs = needs(&step.action);
            let ends = (0..i)
                .filter_map(|j| match backend_fault(&steps[j].action) {
                    Some((fault, true)) if fault.down && needs.contains(&fault.backend) => {
                        let end = (j + 1..steps.len()).find(|&k| {
                            backend_fault(&steps[k].action)
                                .is_some_and(|(f, starts)| !starts && same(&f, &fault))
                        })?;
                        (end > i).then_some(end)
                    }
                    _ => None,
                })
                .collect();
            backends_back.push(ends);
        }
        let restarted_at = steps
            .iter()
            .enumerate()
            .map(|(i, step)| match &step.action {
                Action::Terminate { victims, .. } => steps[i + 1..]
                    .iter()
                    .find(|s| matches!(&s.action, Action::Restart(v) if v == victims))
                    .map(|s| s.at),
                Action::Reclock { victim, .. } => steps[i + 1..]
                    .iter()
                    .find(|s| resources(&s.action).contains(&Resource::Component(victim.name)))
                    .map(|s| s.at),
                _ => None,
            })
            .collect();
        Self {
            after,
            backends_back,
            restarted_at,
        }
    }
}

/// The backend faults in force while a timeline plays.
#[derive(Debug, Default)]
pub struct ActiveFaults(Vec<BackendFault>);

impl ActiveFaults {
    /// Notes what `action` starts or ends.
    pub fn apply(&mut self, action: &Action) {
        match backend_fault(action) {
            Some((fault, true)) => self.0.push(fault),
            Some((fault, false)) => self.0.retain(|f| !same(f, &fault)),
            None => {}
        }
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// Whether the action ends a fault (noted once it has finished: a backend being started
    /// is still down).
    pub fn ends(action: &Action) -> bool {
        matches!(backend_fault(action), Some((_, false)))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use saga_components::registry::{OUTBOX_RELAY, PAYMENT_WORKER};

    use super::*;
    use crate::sabotage::Forgery;
    use crate::timeline::Step;
    use crate::toxiproxy::{Stream, Toxic};

    fn timeline(steps: &[(u64, Action)]) -> Timeline {
        let steps = steps.iter().map(|(ms, action)| Step {
            at: Duration::from_millis(*ms),
            action: action.clone(),
        });
        Timeline::new(steps.collect())
    }

    fn toxic(name: &str, kind: ToxicKind) -> Action {
        let toxic = Toxic::new(name, kind, Stream::Upstream);
        Action::AddToxic {
            backend: Backend::Kafka,
            toxic,
        }
    }

    #[test]
    fn a_step_follows_the_last_earlier_step_on_each_of_its_resources() {
        let stop = |c, rolling| Action::Terminate {
            victims: vec![c],
            rolling,
        };
        let t = timeline(&[
            (0, stop(PAYMENT_WORKER, true)),
            (
                100,
                Action::KillBackend {
                    backend: Backend::Postgres,
                    lose: None,
                },
            ),
            (200, Action::Restart(vec![PAYMENT_WORKER])),
            (300, stop(OUTBOX_RELAY, true)),
            (400, Action::Forge(Forgery::Contradiction)),
            (500, Action::StartBackend(Backend::Postgres)),
        ]);
        let order = Order::of(&t);
        assert_eq!(
            order.after,
            [vec![], vec![], vec![0], vec![0], vec![], vec![1]]
        );
        // The forgery needs PostgreSQL, killed at 100 and started at 500.
        assert_eq!(order.backends_back[4], [5]);
        assert!(order.backends_back[..4].iter().all(Vec::is_empty));
        // The payment worker's stop is cut by its restart at 200; the relay is not restarted.
        let ms = Duration::from_millis;
        assert_eq!(order.restarted_at[0], Some(ms(200)));
        assert_eq!(order.restarted_at[3], None);
    }

    #[test]
    fn a_data_fault_waits_only_for_faults_that_take_its_backend_down_and_last_past_it() {
        let remove = |name: &str| Action::RemoveToxic {
            backend: Backend::Kafka,
            name: name.into(),
        };
        let latency = ToxicKind::Latency {
            latency_ms: 100,
            jitter_ms: 0,
        };
        let poison = Action::Poison {
            topic: saga_core::Topic::Orders,
            size: crate::sabotage::PoisonSize::Small,
        };
        let t = timeline(&[
            (0, toxic("slow", latency)),
            (10, toxic("hole", ToxicKind::Timeout { timeout_ms: 0 })),
            (20, Action::Disable(Backend::Kafka)),
            (30, Action::Enable(Backend::Kafka)),
            (40, poison.clone()),
            (50, remove("slow")),
            (60, remove("hole")),
        ]);
        let order = Order::of(&t);
        // Only the black hole is still there at 40, and it is down; the outage has ended.
        assert_eq!(order.backends_back[4], [6]);
        // The same poison needs nothing of PostgreSQL.
        let pg = timeline(&[(0, Action::Disable(Backend::Postgres)), (1, poison)]);
        assert!(Order::of(&pg).backends_back[1].is_empty());
    }

    #[test]
    fn active_faults_follow_starts_and_ends() {
        let mut active = ActiveFaults::default();
        let latency = ToxicKind::Latency {
            latency_ms: 100,
            jitter_ms: 0,
        };
        active.apply(&toxic("slow", latency));
        assert!(active.any());
        active.apply(&Action::Disable(Backend::Redis));
        active.apply(&Action::RemoveToxic {
            backend: Backend::Kafka,
            name: "slow".into(),
        });
        assert!(active.any());
        assert!(ActiveFaults::ends(&Action::Enable(Backend::Redis)));
        active.apply(&Action::Enable(Backend::Redis));
        assert!(!active.any());
        active.apply(&Action::Burst(3));
        assert!(!active.any());
    }
}
