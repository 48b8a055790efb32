//! A scenario's fault schedule as an explicit value: timed actions, printed before a run so
//! the same seed can be seen to give the same timeline.

use std::fmt;
use std::time::Duration;

use saga_components::Component;

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
    Restart(Vec<Component>),
    /// Stops the backend process itself (`scripts/stack down NAME`).
    StopBackend(Backend),
    StartBackend(Backend),
    /// `n` orders at once, on top of the steady rate.
    Burst(u32),
}

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
    BackendRestart,
}

impl FaultKind {
    pub const ALL: [FaultKind; 9] = [
        Self::Latency,
        Self::Timeout,
        Self::ResetPeer,
        Self::Bandwidth,
        Self::Slicer,
        Self::Outage,
        Self::Kill,
        Self::KillTwo,
        Self::BackendRestart,
    ];
}

impl Action {
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
            Self::StopBackend(_) => Some(FaultKind::BackendRestart),
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
            Self::Restart(c) => write!(f, "restart {}", names(c)),
            Self::StopBackend(b) => write!(f, "{b}: stop the server"),
            Self::StartBackend(b) => write!(f, "{b}: start the server"),
            Self::Burst(n) => write!(f, "burst of {n} orders"),
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
