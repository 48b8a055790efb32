//! The checker's allowances for one run, read off the trace: what the fault driver forged,
//! which orders it made unprocessable, what the backends' power losses took, what the
//! broker lost that replication would have kept (evidence gone, outcomes still owed), and the
//! processed-event records retention pruned once their window had passed.

use std::collections::BTreeMap;

use saga_core::EventId;
use saga_core::snapshot::{Interference, Lost, ReusedOffsets};

use super::{Event, TraceLine};

fn add(lost: &mut Lost, ids: &[saga_core::EventId]) {
    if let Lost::These(set) = lost {
        set.extend(ids.iter().copied());
    }
}

/// The redelivery window the relay keeps processed events for, in microseconds. A record
/// pruned sooner after its payment was applied was not pruned by retention as configured (a
/// writer's skewed clock stamped it), so its absence is not excused.
fn window_us() -> u64 {
    let window = crate::infra::retention::payments_window().total();
    window.map_or(u64::MAX, |w| w.as_micros() as u64)
}

/// Everything the driver did that the saga is not asked to undo.
pub fn interference(trace: &[TraceLine]) -> Interference {
    let mut found = Interference::default();
    let mut applied = BTreeMap::new();
    for line in trace {
        match &line.event {
            Event::PaymentApplied { event, .. } => {
                applied.entry(*event).or_insert(line.at_us);
            }
            Event::Forged { event, .. } => {
                found.forged.insert(*event);
            }
            Event::Quarantined { order, .. } => {
                found.quarantined.insert(*order);
            }
            Event::DecisionsLost { sources } => add(&mut found.lost_decisions, sources),
            Event::DedupPruned { events } => {
                let kept_long_enough = |e: &&EventId| {
                    applied
                        .get(*e)
                        .is_none_or(|at| line.at_us.saturating_sub(*at) >= window_us())
                };
                let honoured = events.iter().filter(kept_long_enough);
                found.pruned_processed.extend(honoured.copied());
            }
            Event::DeletedUnread {
                topic,
                partition,
                from,
                to,
            } => found.deleted_unread.push(ReusedOffsets {
                topic: *topic,
                partition: *partition,
                from: *from,
                to: *to,
            }),
            Event::RecordsLost {
                topic,
                partition,
                from,
                to,
                events,
                answered,
            } => {
                add(&mut found.lost_events, events);
                add(&mut found.lost_answers, answered);
                found.reused_offsets.push(ReusedOffsets {
                    topic: *topic,
                    partition: *partition,
                    from: *from,
                    to: *to,
                });
            }
            Event::AcknowledgedLost {
                topic,
                partition,
                from,
                to,
                events,
                answered,
                ..
            } => {
                let broken = &mut found.broken_durability;
                broken.events.extend(events.iter().copied());
                broken.answers.extend(answered.iter().copied());
                broken.offsets.push(ReusedOffsets {
                    topic: *topic,
                    partition: *partition,
                    from: *from,
                    to: *to,
                });
            }
            _ => {}
        }
    }
    found
}
