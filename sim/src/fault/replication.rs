//! Losses of acknowledged records that a replicated Kafka cluster rules out, played on the
//! simulated broker so the checker can show what the saga does without that guarantee.
//!
//! **Unclean leader election.** A replica outside the ISR becomes a partition's leader (only
//! possible with `unclean.leader.election.enable=true`, or with every in-sync replica gone and
//! an operator forcing it): the log is cut back to what that replica had, so records the
//! previous leader acknowledged to `acks=all` producers — and consumers may already have read
//! — vanish, and the next appends reuse their offsets. Committed offsets live in
//! `__consumer_offsets`, another partition whose leader did not change, so every group keeps
//! its commit, which may now lie beyond the log's end.
//!
//! What a consumer then does is what the memory bus (`saga_memory::MemoryEventBus::poll`) can
//! express, and no more: it has no leader epochs, so a fetch position (a member's own, or the
//! committed offset it resumes from after a rebalance) is checked only against the log end
//! *when the member next fetches*. Beyond the end, the fetch is answered OFFSET_OUT_OF_RANGE
//! and `auto.offset.reset=earliest` sends the member back to offset 0: the partition is
//! delivered again from its start, which the saga's handlers absorb. If appends have refilled
//! the lost offsets up to the position first, the fetch succeeds and the group silently skips
//! every record written below it. That is exactly what librdkafka does with a committed offset
//! (it does not validate an assigned offset against the leader epoch), and what every client
//! did before KIP-320. For a member already fetching when
//! the leader changes, librdkafka 2.x (KIP-320, the services' 2.10) validates its position and
//! seeks back to where the logs diverge, skipping nothing; the model cannot express that and
//! plays the older behaviour for it too, which can only make skips more frequent. The leader
//! change is otherwise invisible here: one broker host serves every partition, so no request
//! is answered NOT_LEADER_OR_FOLLOWER (the crash, partition and ambiguous-commit classes play
//! those answers; see the README's *Replication*).
//!
//! **Disk loss.** The broker host crashes and comes back with nothing: every log empty, every
//! committed offset gone (groups start again from the earliest offset, 0). With one replica
//! there is nothing to re-replicate from; with three, the wiped replica would copy the logs
//! back from the leader and no client would notice.
//!
//! Both report [`Event::AcknowledgedLost`] for what vanished; the checker accepts that the
//! records are gone or were skipped, but excuses no order's outcome
//! (`saga_core::snapshot::BrokenDurability`).

use saga_core::Topic;
use saga_core::event::decode;

use crate::observe::{Event, Loss, Signal};
use crate::world::{KAFKA, World};

/// Cuts `topic`/`partition` back by `records` (all of it, if shorter), keeping every commit.
pub fn unclean_election(world: &World, topic: Topic, partition: u32, records: u64) {
    let bus = &world.durable.bus;
    let end = bus
        .snapshot()
        .end_offsets
        .get(&(topic, partition))
        .copied()
        .unwrap_or(0);
    let from = end.saturating_sub(records);
    if lose_tail(world, Loss::UncleanElection, topic, partition, from) {
        world
            .observer
            .with_coverage(|c| c.add(Signal::UncleanElection));
    }
}

/// Empties `host`'s logs and forgets every committed offset (only Kafka has a disk to lose
/// here), after the host crashed.
pub fn lose_disk(world: &World, host: &str) {
    if host != KAFKA {
        return;
    }
    let bus = &world.durable.bus;
    let before = bus.snapshot();
    // The unflushed journal describes writes to the disk that is gone.
    drop(
        world
            .durable
            .unflushed
            .take_kafka(std::time::Duration::ZERO),
    );
    for &(topic, partition) in before.end_offsets.keys() {
        lose_tail(world, Loss::DiskLoss, topic, partition, 0);
    }
    for group in &before.groups {
        for (&(topic, partition), &from) in &group.committed {
            bus.set_committed(&group.group, topic, partition, 0);
            let event = Event::CommitLost {
                group: group.group.clone(),
                topic,
                partition,
                from,
                to: 0,
            };
            world.emit(KAFKA, event);
        }
    }
    world
        .observer
        .with_coverage(|c| c.add(Signal::KafkaDiskLoss));
}

/// Truncates the partition's log to `from` records and reports what went; whether anything
/// did.
fn lose_tail(world: &World, why: Loss, topic: Topic, partition: u32, from: u64) -> bool {
    let lost = world.durable.bus.truncate(topic, partition, from);
    if lost.is_empty() {
        return false;
    }
    let decoded: Vec<_> = lost.iter().filter_map(|p| decode(p).ok()).collect();
    let event = Event::AcknowledgedLost {
        why,
        topic,
        partition,
        from,
        to: from + lost.len() as u64,
        events: decoded.iter().map(|e| e.event_id).collect(),
        answered: decoded.iter().filter_map(|e| e.causation_id).collect(),
    };
    world.emit(KAFKA, event);
    true
}
