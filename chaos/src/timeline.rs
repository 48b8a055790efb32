//! A scenario's fault schedule as an explicit value: timed actions, printed before a run so
//! the same seed can be seen to give the same timeline.

use std::fmt;
use std::time::Duration;

use saga_components::Component;

use saga_faults::OperatorAct;
use saga_faults::plan::ClockSkew;

use crate::cluster::NodeAction;
use crate::sabotage::{Forgery, PoisonSize};
use crate::stack::Backend;
use crate::toxiproxy::Toxic;

/// One thing the runner does to the system.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    AddToxic {
        backend: Backend,
        toxic: Toxic,
    },
    RemoveToxic {
        backend: Backend,
        name: String,
    },
    /// Disables the backend's proxy: an outage as the components see it.
    Disable(Backend),
    Enable(Backend),
    /// SIGKILL, held down until a `Restart`.
    Kill(Vec<Component>),
    /// A deploy's stop: SIGTERM, SIGKILL if the grace period runs out, held down until a
    /// `Restart`. `rolling`: one step of a rolling restart.
    Terminate {
        victims: Vec<Component>,
        rolling: bool,
    },
    Restart(Vec<Component>),
    /// Stops the backend process itself (`scripts/stack down NAME`).
    StopBackend(Backend),
    /// SIGKILLs the backend's server; with `lose`, also cuts its data files back to what they
    /// held that long ago, as a power loss would (the page cache gone with it). Held down
    /// until a `StartBackend`.
    KillBackend {
        backend: Backend,
        lose: Option<std::time::Duration>,
    },
    StartBackend(Backend),
    /// `n` orders at once, on top of the steady rate.
    Burst(u32),
    /// Garbage written to a topic by a producer outside the saga (`saga_faults::PoisonSize`).
    Poison {
        topic: saga_core::Topic,
        size: PoisonSize,
    },
    /// A forged payment event on `payments`.
    Forge(Forgery),
    /// Redis made to hold a hash under an undecided order's source event.
    CorruptDecision,
    /// PostgreSQL made to refuse the newest PENDING order's status change.
    RefusePayment,
    /// A restart (SIGTERM, SIGKILL after the grace period, start) of one component with its
    /// clock port skewed, or with the right clock (`None`).
    Reclock {
        victim: Component,
        skew: Option<ClockSkew>,
    },
    /// Operators replay or discard one open dead letter (`crate::operator`).
    Operate(OperatorAct),
    /// A step on one node of a replicated Kafka cluster (a stack with three nodes).
    Node(NodeAction),
    /// A check, not a fault: every component's `/health` and `/ready` answer (any status)
    /// within [`PROBE_PATIENCE`], however the dependency behind them behaves. A probe that
    /// waits on a hung connection gets its component restarted by an orchestrator for nothing.
    Probe,
}

pub use crate::fleet::PROBE_PATIENCE;

/// The kinds of fault, for coverage: a suite must use each at least once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultKind {
    Latency,
    Timeout,
    ResetPeer,
    Bandwidth,
    Slicer,
    Outage,
    Kill,
    KillTwo,
    GracefulStop,
    RollingRestart,
    BackendRestart,
    BackendKill,
    PowerLoss,
    Poison,
    OversizedPoison,
    Forgery,
    Unprocessable,
    NodeKill,
    NodeStop,
    NodeWipe,
    NodeIsolation,
}

impl FaultKind {
    /// The kinds only a replicated Kafka cluster can play.
    pub const CLUSTER: [FaultKind; 4] = [
        Self::NodeKill,
        Self::NodeStop,
        Self::NodeWipe,
        Self::NodeIsolation,
    ];

    pub const ALL: [FaultKind; 21] = [
        Self::Latency,
        Self::Timeout,
        Self::ResetPeer,
        Self::Bandwidth,
        Self::Slicer,
        Self::Outage,
        Self::Kill,
        Self::KillTwo,
        Self::GracefulStop,
        Self::RollingRestart,
        Self::BackendRestart,
        Self::BackendKill,
        Self::PowerLoss,
        Self::Poison,
        Self::OversizedPoison,
        Self::Forgery,
        Self::Unprocessable,
        Self::NodeKill,
        Self::NodeStop,
        Self::NodeWipe,
        Self::NodeIsolation,
    ];
}

impl Action {
    /// Whether it acts on a backend server itself (needs a stack the runner controls).
    pub fn controls_backend(&self) -> bool {
        matches!(
            self,
            Self::StopBackend(_) | Self::StartBackend(_) | Self::KillBackend { .. } | Self::Node(_)
        )
    }

    /// The fault this action injects, if it injects one.
    pub fn fault(&self) -> Option<FaultKind> {
        use crate::toxiproxy::ToxicKind as T;
        match self {
            Self::AddToxic { toxic, .. } => Some(match toxic.kind {
                T::Latency { .. } => FaultKind::Latency,
                T::Timeout { .. } => FaultKind::Timeout,
                T::ResetPeer { .. } => FaultKind::ResetPeer,
                T::Bandwidth { .. } => FaultKind::Bandwidth,
                T::Slicer { .. } => FaultKind::Slicer,
            }),
            Self::Disable(_) => Some(FaultKind::Outage),
            Self::Kill(victims) if victims.len() > 1 => Some(FaultKind::KillTwo),
            Self::Kill(_) => Some(FaultKind::Kill),
            Self::Terminate { rolling: true, .. } => Some(FaultKind::RollingRestart),
            Self::Terminate { .. } => Some(FaultKind::GracefulStop),
            Self::StopBackend(_) => Some(FaultKind::BackendRestart),
            Self::KillBackend { lose: None, .. } => Some(FaultKind::BackendKill),
            Self::KillBackend { lose: Some(_), .. } => Some(FaultKind::PowerLoss),
            Self::Poison {
                size: PoisonSize::Oversized,
                ..
            } => Some(FaultKind::OversizedPoison),
            Self::Poison { .. } => Some(FaultKind::Poison),
            Self::Forge(_) => Some(FaultKind::Forgery),
            Self::CorruptDecision | Self::RefusePayment => Some(FaultKind::Unprocessable),
            Self::Node(node) => node.fault(),
            _ => None,
        }
    }
}

fn names(components: &[Component]) -> String {
    let names: Vec<&str> = components.iter().map(|c| c.name).collect();
    names.join("+")
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AddToxic { backend, toxic } => write!(
                f,
                "{backend}: add {} ({:?}, {})",
                toxic.kind, toxic.stream, toxic.name
            ),
            Self::RemoveToxic { backend, name } => write!(f, "{backend}: remove {name}"),
            Self::Disable(b) => write!(f, "{b}: proxy disabled (outage)"),
            Self::Enable(b) => write!(f, "{b}: proxy enabled"),
            Self::Kill(c) => write!(f, "SIGKILL {}", names(c)),
            Self::Terminate { victims, rolling } => write!(
                f,
                "{}SIGTERM {} (SIGKILL after the grace period)",
                if *rolling { "rolling restart: " } else { "" },
                names(victims)
            ),
            Self::Restart(c) => write!(f, "restart {}", names(c)),
            Self::StopBackend(b) => write!(f, "{b}: stop the server"),
            Self::KillBackend {
                backend,
                lose: None,
            } => write!(f, "{backend}: SIGKILL the server"),
            Self::KillBackend {
                backend,
                lose: Some(lose),
            } => write!(
                f,
                "{backend}: power loss (SIGKILL, and the last {:.1}s not yet on disk lost)",
                lose.as_secs_f64()
            ),
            Self::StartBackend(b) => write!(f, "{b}: start the server"),
            Self::Burst(n) => write!(f, "burst of {n} orders"),
            Self::Poison { topic, size } => write!(f, "{topic}: {size:?} poison record"),
            Self::Forge(forgery) => write!(f, "payments: forge a {}", forgery.name()),
            Self::CorruptDecision => {
                write!(f, "redis: a hash where an undecided order's decision goes")
            }
            Self::RefusePayment => write!(
                f,
                "postgres: refuse the newest PENDING order's status change"
            ),
            Self::Reclock { victim, skew } => {
                let env = crate::reclock::env(*skew);
                let env: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
                match env.is_empty() {
                    true => write!(f, "restart {} with the right clock", victim.name),
                    false => write!(f, "restart {} with {}", victim.name, env.join(" ")),
                }
            }
            Self::Operate(act) => write!(f, "dead letters: {}", act.describe()),
            Self::Node(node) => write!(f, "{node}"),
            Self::Probe => write!(
                f,
                "probe: every /health and /ready answers within {}s",
                PROBE_PATIENCE.as_secs()
            ),
        }
    }
}

/// An action and when it happens, from the start of the load.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub at: Duration,
    pub action: Action,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{:>6.2}s  {}", self.at.as_secs_f64(), self.action)
    }
}

/// A whole schedule, in time order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    pub steps: Vec<Step>,
}

impl Timeline {
    /// The steps sorted by time; steps at the same instant keep their order.
    pub fn new(mut steps: Vec<Step>) -> Self {
        steps.sort_by_key(|s| s.at);
        Self { steps }
    }

    /// Whether it forges events or loses acknowledged data: the harness then tells the
    /// checker what it did, which the auditor, reading the live system alone, cannot know.
    pub fn tampers(&self) -> bool {
        self.steps.iter().any(|s| {
            matches!(
                s.action,
                Action::Forge(_) | Action::KillBackend { lose: Some(_), .. }
            )
        })
    }

    /// The kinds of fault it injects.
    pub fn faults(&self) -> std::collections::BTreeSet<FaultKind> {
        self.steps.iter().filter_map(|s| s.action.fault()).collect()
    }
}

impl fmt::Display for Timeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.steps {
            writeln!(f, "  {step}")?;
        }
        Ok(())
    }
}
