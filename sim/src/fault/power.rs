//! A backend's power loss: the host crashes like any other, and its durable state loses what
//! the backend acknowledged without having synced it — Redis the decisions since its last
//! fsync, Kafka the records and commits of the unflushed window; PostgreSQL nothing.

use std::time::Duration;

use saga_core::event::decode;

use crate::observe::{Event, Signal};
use crate::world::{KAFKA, POSTGRES, REDIS, World};

/// Takes from the durable models what `host`'s power loss loses, now (`unflushed`: how far
/// back Kafka's page cache reaches).
pub fn lose_unsynced(world: &World, host: &str, unflushed: Duration) {
    let now = world.observer.driver_now();
    let durable = &world.durable;
    match host {
        REDIS => {
            let sources = durable.unflushed.take_decisions(now);
            durable.decisions.forget(&sources);
            world.emit(REDIS, Event::DecisionsLost { sources });
        }
        KAFKA => {
            let loss = durable.unflushed.take_kafka(now.saturating_sub(unflushed));
            for ((topic, partition), from) in loss.records_from {
                let lost = durable.bus.truncate(topic, partition, from);
                let decoded: Vec<_> = lost.iter().filter_map(|p| decode(p).ok()).collect();
                let events = decoded.iter().map(|e| e.event_id).collect();
                let answered = decoded.iter().filter_map(|e| e.causation_id).collect();
                let to = from + lost.len() as u64;
                let event = Event::RecordsLost {
                    topic,
                    partition,
                    from,
                    to,
                    events,
                    answered,
                };
                world.emit(KAFKA, event);
            }
            for ((group, topic, partition), back_to) in loss.commits_back_to {
                let from = durable.bus.committed(&group, topic, partition);
                durable.bus.set_committed(&group, topic, partition, back_to);
                let retention = &durable.appended_at;
                retention.rolled_back(topic, &group, partition, back_to);
                let start = durable.bus.log_start(topic, partition);
                if back_to < start {
                    // Retention deleted what the lost commit had passed: nobody reads it now.
                    let to = start;
                    let event = Event::DeletedUnread {
                        topic,
                        partition,
                        from: back_to,
                        to,
                    };
                    world.emit(KAFKA, event);
                }
                let event = Event::CommitLost {
                    group,
                    topic,
                    partition,
                    from,
                    to: back_to,
                };
                world.emit(KAFKA, event);
            }
        }
        POSTGRES => world
            .observer
            .with_coverage(|c| c.add(Signal::PostgresPowerLoss)),
        _ => {}
    }
}
