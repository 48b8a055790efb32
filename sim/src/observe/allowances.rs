//! The checker's allowances for one run, read off the trace: what the fault driver forged,
//! which orders it made unprocessable, what the backends' power losses took, and what the
//! broker lost that replication would have kept (evidence gone, outcomes still owed).

use saga_core::snapshot::{Interference, Lost, ReusedOffsets};

use super::{Event, TraceLine};

fn add(lost: &mut Lost, ids: &[saga_core::EventId]) {
    if let Lost::These(set) = lost {
        set.extend(ids.iter().copied());
    }
}

/// Everything the driver did that the saga is not asked to undo.
pub fn interference(trace: &[TraceLine]) -> Interference {
    let mut found = Interference::default();
    for line in trace {
        match &line.event {
            Event::Forged { event, .. } => {
                found.forged.insert(*event);
            }
            Event::Quarantined { order, .. } => {
                found.quarantined.insert(*order);
            }
            Event::DecisionsLost { sources } => add(&mut found.lost_decisions, sources),
            Event::DedupPruned { events } => found.pruned_processed.extend(events.iter().copied()),
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
