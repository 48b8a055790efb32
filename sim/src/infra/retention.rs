//! The simulated broker's retention, scaled down so it acts within a run: the `payments` topic
//! keeps a record [`RETENTION`] after its append and deletes whole segments of [`SEGMENT`]
//! (a segment goes once its newest record has expired), and a group with no member for
//! [`OFFSETS_RETENTION`] loses its committed offsets, so it starts again from the earliest
//! offset kept (`auto.offset.reset = earliest`). The other topics keep their records. The
//! relay sizes and checks its processed-event retention by [`payments_window`], as an operator
//! reads the real topic's config.
//!
//! As a real broker does, it deletes by time alone, whoever has read what: a group that had
//! not read a deleted record skips it (`DeletedUnread`, which the checker excuses: retention
//! shorter than an outage loses unread records, which the saga's configuration promises
//! against). One simplification: a group whose committed offset falls below the earliest
//! offset kept is moved up to it, as the lag a real group reports counts from there.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use saga_core::Topic;
use saga_core::redelivery::{self, Window, WindowInputs};

use crate::observe::Event;
use crate::world::{KAFKA, World};

/// The topic with a retention: the one processed events deduplicate.
pub const TOPIC: Topic = Topic::Payments;
/// Its `retention.ms`.
pub const RETENTION: Duration = Duration::from_secs(2);
/// Its `segment.ms`: longer than the retention, so a segment's oldest record outlives it by
/// far (the broker default is as long as the retention).
pub const SEGMENT: Duration = Duration::from_secs(20);
/// The broker's `offsets.retention.minutes`.
pub const OFFSETS_RETENTION: Duration = Duration::from_secs(1);
/// The promised consumer lag.
pub const MAX_LAG: Duration = Duration::from_secs(1);
/// `SAGA_REPUBLISH_MAX_AGE_SECONDS` of the simulated operators.
pub const REPUBLISH_MAX_AGE: Duration = Duration::from_secs(5);
/// How often the broker looks for what to delete.
const CHECK_EVERY: Duration = Duration::from_millis(200);

/// The redelivery window of [`TOPIC`].
pub fn payments_window() -> Window {
    redelivery::window(&WindowInputs {
        retention: Some(RETENTION),
        segment: SEGMENT,
        offsets_retention: Some(OFFSETS_RETENTION),
        lag: MAX_LAG,
        republish: REPUBLISH_MAX_AGE,
    })
}

/// When each record of [`TOPIC`] was appended (simulated time), by partition and offset, and
/// the highest offset the reading group ever committed per partition: part of the broker's
/// durable state, as a record's timestamp is.
#[derive(Debug, Default)]
pub struct AppendTimes {
    times: Mutex<BTreeMap<u32, Vec<Duration>>>,
    read: Mutex<BTreeMap<u32, u64>>,
    /// The group's offsets expired and it has had no member since.
    expired: Mutex<bool>,
}

impl AppendTimes {
    pub fn stamp(&self, topic: Topic, partition: u32, offset: u64, at: Duration) {
        if topic != TOPIC {
            return;
        }
        let mut times = self.times.lock().expect("lock poisoned");
        let log = times.entry(partition).or_default();
        let offset = offset as usize;
        if log.len() <= offset {
            log.resize(offset + 1, at);
        }
        // An offset reused after a lost tail takes the new record's time.
        log[offset] = at;
    }

    fn of(&self, partition: u32) -> Vec<Duration> {
        let times = self.times.lock().expect("lock poisoned");
        times.get(&partition).cloned().unwrap_or_default()
    }

    /// A power loss rolled the reading group's commit on `partition` back to `committed`: what
    /// it had committed past since never happened, so it counts as unread again.
    pub fn rolled_back(&self, topic: Topic, group: &str, partition: u32, committed: u64) {
        if topic != TOPIC || group != reader() {
            return;
        }
        let mut read = self.read.lock().expect("lock poisoned");
        let high = read.entry(partition).or_default();
        *high = (*high).min(committed);
    }

    /// The highest offset committed on `partition` so far, with `committed` the group's now.
    fn read_up_to(&self, partition: u32, committed: u64) -> u64 {
        let mut read = self.read.lock().expect("lock poisoned");
        let high = read.entry(partition).or_default();
        *high = (*high).max(committed);
        *high
    }
}

/// The first offset at or after `start` (below `end`) whose segment has not expired at `now`:
/// segments are [`SEGMENT`]-long spans of append time, each deleted once its newest record is
/// older than [`RETENTION`].
fn first_kept(times: &[Duration], start: u64, end: u64, now: Duration) -> u64 {
    let segment = |t: Duration| t.as_millis() / SEGMENT.as_millis();
    let mut first = start;
    while first < end {
        let span = segment(times[first as usize]);
        let mut last = first;
        while last + 1 < end && segment(times[last as usize + 1]) == span {
            last += 1;
        }
        if times[last as usize] + RETENTION > now {
            break;
        }
        first = last + 1;
    }
    first
}

/// Deletes what expired while the broker was down, before it serves anyone. A real broker's
/// first retention check waits `log.initial.task.delay.ms` (30 s), so after a long outage it
/// can serve expired segments for that long; with replication a restart never rewinds a
/// group's commits, but the single simulated broker's power loss does, and would redeliver
/// them (sim/FINDINGS.md).
pub fn on_start(world: &World) {
    let now = turmoil::sim_elapsed().unwrap_or_default();
    for partition in 0..world.durable.bus.partitions() {
        delete_expired(world, partition, now);
    }
}

/// The consumer group that reads [`TOPIC`].
fn reader() -> &'static str {
    saga_core::topic::CONSUMER_GROUPS
        .into_iter()
        .find(|(_, topic)| *topic == TOPIC)
        .map(|(group, _)| group)
        .expect("a group reads the topic")
}

/// Runs the broker's retention until the host crashes.
pub async fn run(world: Arc<World>) {
    let mut empty_since: BTreeMap<String, Duration> = BTreeMap::new();
    loop {
        tokio::time::sleep(CHECK_EVERY).await;
        let now = turmoil::sim_elapsed().unwrap_or_default();
        for partition in 0..world.durable.bus.partitions() {
            delete_expired(&world, partition, now);
        }
        expire_offsets(&world, &mut empty_since, now);
    }
}

fn delete_expired(world: &World, partition: u32, now: Duration) {
    let bus = &world.durable.bus;
    let group = reader();
    let committed = bus.committed(group, TOPIC, partition);
    let durable = &world.durable.appended_at;
    let read = durable.read_up_to(partition, committed);
    let expired = *durable.expired.lock().expect("lock poisoned");
    let times = durable.of(partition);
    let end = bus.end_offset(TOPIC, partition).min(times.len() as u64);
    let start = bus.log_start(TOPIC, partition);
    let kept = first_kept(&times, start, end, now);
    if kept > start {
        bus.delete_before(TOPIC, partition, kept);
        // What the group had read is known from its commits, or once they expired from the
        // highest it ever made.
        let from = committed.max(start).max(if expired { read } else { 0 });
        if from < kept {
            let event = Event::DeletedUnread {
                topic: TOPIC,
                partition,
                from,
                to: kept,
            };
            world.emit(KAFKA, event);
        }
    }
    if committed < kept {
        bus.set_committed(group, TOPIC, partition, kept);
    }
}

fn expire_offsets(world: &World, empty_since: &mut BTreeMap<String, Duration>, now: Duration) {
    let bus = &world.durable.bus;
    let empty = bus.empty_groups();
    empty_since.retain(|group, _| empty.contains(group));
    if !empty.iter().any(|g| g == reader()) {
        // Back with a member: it reads again from where it is, so deletion waits for it.
        *world
            .durable
            .appended_at
            .expired
            .lock()
            .expect("lock poisoned") = false;
    }
    for group in empty {
        let since = *empty_since.entry(group.clone()).or_insert(now);
        if now - since >= OFFSETS_RETENTION && bus.expire_offsets(&group) {
            if saga_core::topic::CONSUMER_GROUPS.contains(&(group.as_str(), TOPIC)) {
                *world
                    .durable
                    .appended_at
                    .expired
                    .lock()
                    .expect("lock poisoned") = true;
            }
            world.emit(KAFKA, Event::OffsetsExpired { group });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn a_segment_goes_once_its_newest_record_has_expired() {
        // Segments [0, 20) s and [20, 40) s.
        let times = [s(1), s(15), s(19), s(21), s(30)];
        let (retention, segment) = (RETENTION.as_secs(), SEGMENT.as_secs());
        assert_eq!((retention, segment), (2, 20), "the spans this test draws");
        assert_eq!(first_kept(&times, 0, 5, s(20)), 0, "19 s + 2 s is not yet");
        assert_eq!(
            first_kept(&times, 0, 5, s(21)),
            3,
            "the record of 1 s lived 20 s"
        );
        assert_eq!(first_kept(&times, 3, 5, s(32)), 5);
        assert_eq!(first_kept(&times, 3, 5, s(31)), 3);
        assert_eq!(first_kept(&times, 0, 2, s(40)), 2, "no further than told");
    }
}
