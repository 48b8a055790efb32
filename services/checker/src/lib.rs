//! The invariant checker: given a snapshot of the whole system's state
//! ([`saga_core::snapshot::SystemSnapshot`]), returns every violated safety property, and with
//! [`Scope::SafetyAndLiveness`] every liveness one, each with the offending order's history
//! across services. It is product code: the explorer's verdicts and `saga demo` judge with it,
//! and so do the simulation, the chaos runner and the end-to-end tests, so the saga is held to
//! one set of properties everywhere. The properties, each with what it promises, are
//! [`Property`].

mod causes;
mod dead_letters;
mod history;
mod index;
mod liveness;
pub mod online;
mod replays;
mod safety;
mod settle;
mod trace;
mod violation;

use saga_core::snapshot::SystemSnapshot;

pub use settle::{Settled, settle};
pub use violation::{Property, Violation};

/// Which properties to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Properties that must hold at every instant, faults or not.
    Safety,
    /// Safety plus the properties that must hold once faults are healed and the system has
    /// quiesced.
    SafetyAndLiveness,
}

/// Checks `snapshot`; an empty result means every property holds.
pub fn check(snapshot: &SystemSnapshot, scope: Scope) -> Vec<Violation> {
    let index = index::Index::build(snapshot);
    let mut found = safety::check(snapshot, &index);
    if scope == Scope::SafetyAndLiveness {
        found.extend(liveness::check(snapshot, &index));
    }
    for violation in &mut found {
        if let Some(order) = violation.order_id {
            violation.history = history::of(order, snapshot, &index);
        }
    }
    found
}

#[cfg(test)]
mod tests;
