//! The checker's allowances for one scenario, from its timeline: what a real backend's power
//! loss may have taken cannot be named (the runner only cut files), so the checker is told that
//! some decisions (Redis) or some records and commits (Kafka) may be gone, and holds the saga to
//! what it promises under that — every order terminal, no second status change, deliveries only
//! for COMPLETED orders. Forged events and orders made unprocessable come from the steps that
//! made them.

use saga_core::snapshot::{Interference, Lost};

use crate::sabotage::Sabotaged;
use crate::stack::Backend;
use crate::timeline::{Action, Timeline};

/// What the scenario's faults may make the saga unable to account for, and what its sabotage
/// steps forged and made unprocessable.
pub fn interference(timeline: &Timeline, sabotaged: &[Sabotaged]) -> Interference {
    let mut found = Interference::default();
    for done in sabotaged {
        match done {
            Sabotaged::Forged(event, _) => {
                found.forged.insert(*event);
            }
            Sabotaged::Quarantined(order) => {
                found.quarantined.insert(*order);
            }
            Sabotaged::Poisoned => {}
        }
    }
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
