//! A fault plan: one simulated seed's workload and fault schedule written as the actions the
//! real stack can play, so one schedule runs in both worlds (`sim replay --plan` writes it,
//! `chaos play` plays it). A JSON document with a version; its fields are documented here and
//! in docs/testing.md. Times are real milliseconds from the start of the load: the writer
//! has already scaled the simulated times by `scale`. A simulated fault with no real
//! counterpart is not dropped silently: it is listed under `unmapped` with the reason.

use serde::{Deserialize, Serialize};

use crate::{Forgery, OperatorAct, PoisonSize, Unprocessable};

/// The format's version; a reader refuses any other.
pub const PLAN_VERSION: u32 = 1;

/// One seed's schedule as the real stack plays it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultPlan {
    pub version: u32,
    /// The simulated seed the plan was written from.
    pub seed: u64,
    /// Real milliseconds per simulated millisecond.
    pub scale: f64,
    pub workload: PlanWorkload,
    /// In start order.
    pub steps: Vec<PlanStep>,
    pub unmapped: Vec<Unmapped>,
    /// What the simulation found on the same seed, for the conformance table.
    pub simulated: SimulatedOutcome,
}

/// The load the faults fall on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanWorkload {
    /// Orders the simulated clients place.
    pub orders: usize,
    /// Real milliseconds the orders are spread over.
    pub load_ms: u64,
}

/// One simulated fault as one real action, started at `at_ms` and undone `lasts_ms` later
/// (instantaneous actions have none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    /// The fault's index in the simulated schedule (`sim replay --keep` names it so).
    pub fault: usize,
    /// The simulated fault class (`sim --faults` names it so).
    pub class: String,
    /// The simulated fault, as `sim replay` prints it.
    pub simulated: String,
    pub at_ms: u64,
    pub lasts_ms: Option<u64>,
    pub action: RealAction,
    /// How the real action differs from the simulated fault, if it does.
    pub note: Option<String>,
}

/// Which way a Toxiproxy fault acts: components to the backend, back, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    Both,
    Upstream,
    Downstream,
}

/// How a restarted component's clock port is off (`CLOCK_OFFSET_MS`, `CLOCK_DRIFT_PER_MILLE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ClockSkew {
    /// `ms` milliseconds ahead (behind when negative).
    Jump { ms: i64 },
    /// Fast (slow when negative) by `per_mille` thousandths of the time since its start.
    Drift { per_mille: i64 },
}

/// What the real stack does. Components and backends by name (`payment-worker`, `kafka`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RealAction {
    /// SIGKILL the component; restart it when the step ends.
    Kill { component: String },
    /// SIGTERM the component (SIGKILL after the grace period); restart it when the step ends.
    Terminate { component: String, rolling: bool },
    /// SIGKILL the backend's server, cutting its data files back by `lose_ms` (the unflushed
    /// tail) when given; start it when the step ends.
    KillBackend {
        backend: String,
        lose_ms: Option<u64>,
    },
    /// The backend's proxy disabled: every connection refused.
    Outage { backend: String },
    /// A Toxiproxy `timeout` toxic of 0 on the backend's proxy: bytes swallowed, nothing closed.
    BlackHole {
        backend: String,
        direction: Direction,
    },
    /// A Toxiproxy `latency` toxic on the backend's proxy.
    Latency { backend: String, latency_ms: u64 },
    /// An invalid record produced to `topic`.
    Poison {
        topic: saga_core::Topic,
        size: PoisonSize,
    },
    /// A forged payment produced to `payments`.
    Forge { forgery: Forgery },
    /// One order's data made unprocessable.
    Unprocessable { what: Unprocessable },
    /// Restart the component (SIGTERM, SIGKILL after the grace period, start) with its clock
    /// port skewed; restart it with the right clock when the step ends.
    Reclock { component: String, skew: ClockSkew },
    /// Operators replay or discard one dead letter open when the step starts, through the
    /// product's own `saga_runtime::dlq`; skipped when none is open.
    Operate { act: OperatorAct },
}

impl RealAction {
    /// What the action occupies on the real stack: two steps on one resource must not overlap
    /// (the first one's end would undo the second). Data faults occupy nothing.
    pub fn resource(&self) -> Option<String> {
        match self {
            Self::Kill { component }
            | Self::Terminate { component, .. }
            | Self::Reclock { component, .. } => Some(format!("component {component}")),
            Self::KillBackend { backend, .. } => Some(format!("server {backend}")),
            Self::Outage { backend } | Self::BlackHole { backend, .. } => {
                Some(format!("proxy {backend}"))
            }
            Self::Latency { backend, .. } => Some(format!("latency {backend}")),
            Self::Poison { .. }
            | Self::Forge { .. }
            | Self::Unprocessable { .. }
            | Self::Operate { .. } => None,
        }
    }

    /// Whether it acts on a backend server (needs a stack the runner controls).
    pub fn controls_backend(&self) -> bool {
        matches!(self, Self::KillBackend { .. })
    }
}

/// A simulated fault the real stack does not play, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unmapped {
    pub fault: usize,
    pub class: String,
    pub simulated: String,
    pub why: String,
}

/// The simulation's verdict on the seed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SimulatedOutcome {
    pub passed: bool,
    /// Orders acknowledged to the clients.
    pub acknowledged: usize,
    /// Orders stored.
    pub created: usize,
    /// Orders that reached a terminal status.
    pub terminal: usize,
    /// Orders the schedule made unprocessable (they may stay PENDING).
    pub quarantined: usize,
    /// One line per violation: the property, the order if one is named, the detail.
    pub violations: Vec<String>,
    /// A host failure or a run that never quiesced.
    pub failure: Option<String>,
}

/// Why a plan cannot be read.
#[derive(Debug)]
pub enum PlanError {
    Json(serde_json::Error),
    Version(u32),
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Json(e) => write!(f, "not a fault plan: {e}"),
            Self::Version(v) => write!(
                f,
                "fault plan version {v}; this build reads version {PLAN_VERSION}"
            ),
        }
    }
}

impl std::error::Error for PlanError {}

impl FaultPlan {
    /// An empty plan for `seed`.
    pub fn new(seed: u64, scale: f64, workload: PlanWorkload) -> Self {
        Self {
            version: PLAN_VERSION,
            seed,
            scale,
            workload,
            steps: Vec::new(),
            unmapped: Vec::new(),
            simulated: SimulatedOutcome::default(),
        }
    }

    /// Adds `step`, unless it overlaps an earlier step on the same real resource (two
    /// simulated links to one backend share its one proxy): then it is listed as unmapped.
    pub fn push(&mut self, step: PlanStep) {
        let clash = step.action.resource().and_then(|resource| {
            self.steps.iter().find(|s| {
                s.action.resource().as_ref() == Some(&resource)
                    && s.at_ms + s.lasts_ms.unwrap_or(0) > step.at_ms
                    && step.at_ms + step.lasts_ms.unwrap_or(0) > s.at_ms
            })
        });
        match clash {
            Some(earlier) => self.unmapped.push(Unmapped {
                fault: step.fault,
                class: step.class.clone(),
                simulated: step.simulated.clone(),
                why: format!(
                    "overlaps fault #{} on the same real {}",
                    earlier.fault,
                    step.action.resource().unwrap_or_default()
                ),
            }),
            None => self.steps.push(step),
        }
    }

    /// The classes with at least one fault the real stack does not play, each once.
    pub fn unmapped_classes(&self) -> Vec<&str> {
        let mut classes: Vec<&str> = self.unmapped.iter().map(|u| u.class.as_str()).collect();
        classes.sort_unstable();
        classes.dedup();
        classes
    }

    /// Whether any step needs control of the backend servers.
    pub fn controls_backends(&self) -> bool {
        self.steps.iter().any(|s| s.action.controls_backend())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a plan is plain data")
    }

    /// # Errors
    /// Text that is not a plan, or a plan of another version.
    pub fn from_json(text: &str) -> Result<Self, PlanError> {
        #[derive(Deserialize)]
        struct Versioned {
            version: u32,
        }
        let Versioned { version } = serde_json::from_str(text).map_err(PlanError::Json)?;
        if version != PLAN_VERSION {
            return Err(PlanError::Version(version));
        }
        serde_json::from_str(text).map_err(PlanError::Json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(fault: usize, at_ms: u64, lasts_ms: u64, backend: &str) -> PlanStep {
        PlanStep {
            fault,
            class: "partition".into(),
            simulated: String::new(),
            at_ms,
            lasts_ms: Some(lasts_ms),
            action: RealAction::Outage {
                backend: backend.into(),
            },
            note: None,
        }
    }

    #[test]
    fn a_plan_reads_back_and_another_version_is_refused() {
        let mut plan = FaultPlan::new(
            7,
            2.5,
            PlanWorkload {
                orders: 100,
                load_ms: 20_000,
            },
        );
        plan.push(step(0, 1_000, 500, "kafka"));
        plan.push(PlanStep {
            action: RealAction::Forge {
                forgery: Forgery::Contradiction,
            },
            lasts_ms: None,
            ..step(1, 2_000, 0, "kafka")
        });
        let text = plan.to_json();
        assert!(text.contains("\"kind\": \"outage\""), "{text}");
        assert_eq!(FaultPlan::from_json(&text).unwrap(), plan);
        let old = text.replace("\"version\": 1", "\"version\": 0");
        assert!(
            FaultPlan::from_json(&old)
                .unwrap_err()
                .to_string()
                .contains("version 0")
        );
    }

    #[test]
    fn a_clock_restart_and_an_operator_read_back_and_only_the_restart_occupies_its_component() {
        let reclock = RealAction::Reclock {
            component: "order-api".into(),
            skew: ClockSkew::Drift { per_mille: -250 },
        };
        let text = serde_json::to_string(&reclock).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"reclock","component":"order-api","skew":{"kind":"drift","per_mille":-250}}"#
        );
        assert_eq!(serde_json::from_str::<RealAction>(&text).unwrap(), reclock);
        let operate = RealAction::Operate {
            act: OperatorAct::TwoReplays,
        };
        let text = serde_json::to_string(&operate).unwrap();
        assert_eq!(text, r#"{"kind":"operate","act":"two-replays"}"#);
        assert_eq!(serde_json::from_str::<RealAction>(&text).unwrap(), operate);
        let kill = RealAction::Kill {
            component: "order-api".into(),
        };
        assert_eq!(reclock.resource(), kill.resource());
        assert_eq!(operate.resource(), None);
        let workload = PlanWorkload {
            orders: 1,
            load_ms: 1,
        };
        let mut plan = FaultPlan::new(0, 1.0, workload);
        let at = |fault, at_ms, action| PlanStep {
            action,
            ..step(fault, at_ms, 500, "kafka")
        };
        plan.push(at(0, 1_000, kill));
        plan.push(at(1, 1_200, reclock));
        assert_eq!(plan.steps.len(), 1);
        assert!(plan.unmapped[0].why.contains("component order-api"));
    }

    #[test]
    fn a_step_overlapping_another_on_the_same_proxy_is_listed_unmapped() {
        let workload = PlanWorkload {
            orders: 1,
            load_ms: 1,
        };
        let mut plan = FaultPlan::new(0, 1.0, workload);
        plan.push(step(0, 1_000, 500, "kafka"));
        plan.push(step(1, 1_400, 500, "kafka"));
        plan.push(step(2, 1_400, 500, "redis"));
        plan.push(step(3, 1_500, 500, "kafka"));
        let played: Vec<usize> = plan.steps.iter().map(|s| s.fault).collect();
        assert_eq!(played, [0, 2, 3]);
        assert_eq!(plan.unmapped.len(), 1);
        assert!(plan.unmapped[0].why.contains("#0"), "{:?}", plan.unmapped);
        assert_eq!(plan.unmapped_classes(), ["partition"]);
    }
}
