//! Operators' replays: a replay is recorded in the ledger only after its copy was published,
//! so every recorded replay has a record on some topic marked with its dead letter's id.

use saga_core::ports::DeadLetterActionKind;
use saga_core::snapshot::{Lost, SystemSnapshot};
use std::collections::BTreeSet;

use crate::{Property, Violation};

pub(super) fn check(s: &SystemSnapshot, found: &mut Vec<Violation>) {
    // A broker that lost acknowledged records may have lost a replay's copy with them.
    if !matches!(&s.interference.lost_events, Lost::These(ids) if ids.is_empty()) {
        return;
    }
    let replayed: BTreeSet<_> = s
        .bus
        .records
        .iter()
        .filter_map(|r| r.replay)
        .map(|mark| mark.dead_letter)
        .collect();
    for action in &s.dead_letter_actions {
        let DeadLetterActionKind::Replayed { count } = action.kind else {
            continue;
        };
        if !replayed.contains(&action.dead_letter) {
            found.push(Violation::new(
                Property::RecordedReplayPublished,
                None,
                format!(
                    "dead letter {} is recorded as replayed (replay {count}, by {}) but no \
                     record on any topic is its replay",
                    action.dead_letter, action.actor
                ),
            ));
        }
    }
}
