//! The checker's allowances for one scenario, from its timeline: what a real backend's power
//! loss may have taken cannot be named (the runner only cut files), so the checker is told that
//! some decisions (Redis) or some records and commits (Kafka) may be gone, and holds the saga to
//! what it promises under that — every order terminal, no second status change, deliveries only
//! for COMPLETED orders.

use saga_core::snapshot::{Interference, Lost};

use crate::stack::Backend;
use crate::timeline::{Action, Timeline};

/// What the scenario's faults may make the saga unable to account for.
pub fn interference(timeline: &Timeline) -> Interference {
    let mut found = Interference::default();
    for step in &timeline.steps {
        if let Action::KillBackend {
            backend,
            lose: Some(_),
        } = &step.action
        {
            match backend {
                Backend::Redis => found.lost_decisions = Lost::Unknown,
                Backend::Kafka => {
                    found.lost_events = Lost::Unknown;
                    found.lost_answers = Lost::Unknown;
                }
                Backend::Postgres => {}
            }
        }
    }
    found
}
