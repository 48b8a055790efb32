//! The in-memory event bus: partitioned append-only logs and consumer groups with manual
//! commit and eager rebalancing, as Kafka does them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::Notify;

use saga_core::ports::{
    Clock, Consumer, DEFAULT_MAX_MESSAGE_BYTES, Delivery, EventBus, OutgoingMessage, PortError,
    ReplayMark,
};
use saga_core::snapshot::{BusSnapshot, GroupOffsets, TopicRecord};
use saga_core::topic::Topic;
use saga_core::{CorrelationId, TraceParent};

/// The partition a key maps to: FNV-1a, stable across processes and runs.
pub fn partition_for(key: &str, partitions: u32) -> u32 {
    let hash = saga_core::fnv::Fnv1a::of(key.as_bytes());
    (hash % u64::from(partitions.max(1))) as u32
}

#[derive(Debug, Clone)]
struct Record {
    key: Option<String>,
    payload: Vec<u8>,
    correlation_id: Option<CorrelationId>,
    replay: Option<ReplayMark>,
    trace: Option<TraceParent>,
    at: Option<time::OffsetDateTime>,
}

type PartitionKey = (Topic, u32);

#[derive(Debug, Default)]
struct Group {
    members: BTreeMap<u64, BTreeSet<Topic>>,
    committed: BTreeMap<PartitionKey, u64>,
    /// Next offset to hand out, per partition; reset to `committed` on every rebalance.
    positions: BTreeMap<PartitionKey, u64>,
    owners: BTreeMap<PartitionKey, u64>,
    /// Where each member's next poll starts, so no partition starves another.
    cursors: BTreeMap<u64, usize>,
}

#[derive(Debug)]
struct State {
    partitions: u32,
    logs: BTreeMap<PartitionKey, Vec<Record>>,
    /// The first offset retention kept, per partition (0 when it deleted nothing): below it
    /// a record can no longer be fetched, though the snapshot still shows it.
    log_starts: BTreeMap<PartitionKey, u64>,
    groups: BTreeMap<String, Group>,
    next_member: u64,
}

/// Kafka's semantics in memory. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct MemoryEventBus {
    state: Arc<Mutex<State>>,
    appended: Arc<Notify>,
    max_message_bytes: usize,
    /// Stamps appended records, as Kafka's record timestamp does; `None` in the simulation,
    /// whose trace already times every append.
    clock: Option<Arc<dyn Clock>>,
}

impl std::fmt::Debug for MemoryEventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryEventBus")
            .field("state", &self.state)
            .field("max_message_bytes", &self.max_message_bytes)
            .field("timestamps", &self.clock.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for MemoryEventBus {
    fn default() -> Self {
        Self::new(3)
    }
}

impl MemoryEventBus {
    /// A bus whose topics each have `partitions` partitions.
    pub fn new(partitions: u32) -> Self {
        let partitions = partitions.max(1);
        let logs = Topic::ALL
            .into_iter()
            .flat_map(|t| (0..partitions).map(move |p| ((t, p), Vec::new())))
            .collect();
        let state = State {
            partitions,
            logs,
            log_starts: BTreeMap::new(),
            groups: BTreeMap::new(),
            next_member: 0,
        };
        Self {
            state: Arc::new(Mutex::new(state)),
            appended: Arc::new(Notify::new()),
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            clock: None,
        }
    }

    /// A bus that stamps every record with `clock`'s time when it is appended.
    pub fn with_clock(partitions: u32, clock: Arc<dyn Clock>) -> Self {
        Self {
            clock: Some(clock),
            ..Self::new(partitions)
        }
    }
    /// The same bus refusing records larger than `bytes` (as a producer's `message.max.bytes`).
    pub fn with_max_message_bytes(mut self, bytes: usize) -> Self {
        self.max_message_bytes = bytes;
        self
    }

    /// Whether every message fits; a producer refuses a batch with one that does not.
    ///
    /// # Errors
    /// [`PortError::Rejected`] naming the size of the first message over the limit.
    pub fn check_sizes(&self, messages: &[OutgoingMessage]) -> Result<(), PortError> {
        match messages
            .iter()
            .find(|m| m.payload.len() + m.key.len() > self.max_message_bytes)
        {
            Some(m) => Err(PortError::rejected(
                "memory",
                format!(
                    "message of {} bytes is larger than the limit of {}",
                    m.payload.len() + m.key.len(),
                    self.max_message_bytes
                ),
            )),
            None => Ok(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("event bus lock poisoned")
    }

    /// Appends messages; returns `(partition, offset)` of each.
    pub fn append(&self, messages: &[OutgoingMessage]) -> Vec<(u32, u64)> {
        let at = self.clock.as_ref().map(|clock| clock.now());
        let mut state = self.lock();
        let partitions = state.partitions;
        let placed = messages
            .iter()
            .map(|m| {
                let partition = partition_for(&m.key, partitions);
                let log = state.logs.entry((m.topic, partition)).or_default();
                log.push(Record {
                    key: Some(m.key.clone()),
                    payload: m.payload.clone(),
                    correlation_id: m.correlation_id.clone(),
                    replay: m.replay,
                    trace: m.trace,
                    at,
                });
                (partition, log.len() as u64 - 1)
            })
            .collect();
        drop(state);
        self.appended.notify_waiters();
        placed
    }

    /// Adds a member to `group`, rebalancing the group; returns the member id.
    pub fn join(&self, group: &str, topics: &[Topic]) -> u64 {
        let mut state = self.lock();
        state.next_member += 1;
        let member = state.next_member;
        let partitions = state.partitions;
        let g = state.groups.entry(group.to_owned()).or_default();
        g.members.insert(member, topics.iter().copied().collect());
        Self::rebalance_group(g, partitions);
        drop(state);
        self.appended.notify_waiters();
        member
    }

    /// Removes a member (a clean leave, or the broker noticing it died), rebalancing.
    pub fn leave(&self, group: &str, member: u64) {
        let mut state = self.lock();
        let partitions = state.partitions;
        if let Some(g) = state.groups.get_mut(group) {
            g.cursors.remove(&member);
            if g.members.remove(&member).is_some() {
                Self::rebalance_group(g, partitions);
            }
        }
        drop(state);
        self.appended.notify_waiters();
    }

    /// Forces a rebalance of `group`: every member resumes from the last committed offsets,
    /// so uncommitted deliveries are delivered again.
    pub fn rebalance(&self, group: &str) {
        let mut state = self.lock();
        let partitions = state.partitions;
        if let Some(g) = state.groups.get_mut(group) {
            Self::rebalance_group(g, partitions);
        }
        drop(state);
        self.appended.notify_waiters();
    }

    /// Removes every member of every group: what a broker restart does to sessions.
    pub fn expel_all_members(&self) {
        let mut state = self.lock();
        let partitions = state.partitions;
        for g in state.groups.values_mut() {
            g.members.clear();
            Self::rebalance_group(g, partitions);
        }
        drop(state);
        self.appended.notify_waiters();
    }

    /// Assigns partitions round-robin over the members subscribed to each topic (ordered by
    /// member id) and rewinds every position to the committed offset.
    fn rebalance_group(g: &mut Group, partitions: u32) {
        g.owners.clear();
        g.positions.clear();
        let topics: BTreeSet<Topic> = g.members.values().flatten().copied().collect();
        for topic in topics {
            let members: Vec<u64> = g
                .members
                .iter()
                .filter(|(_, t)| t.contains(&topic))
                .map(|(m, _)| *m)
                .collect();
            for p in 0..partitions {
                let owner = members[p as usize % members.len()];
                g.owners.insert((topic, p), owner);
                g.positions.insert(
                    (topic, p),
                    g.committed.get(&(topic, p)).copied().unwrap_or(0),
                );
            }
        }
    }

    /// The next record for `member`, if one is ready, advancing its position.
    ///
    /// # Errors
    /// [`PortError::Rebalanced`] when the member is no longer in the group.
    pub fn poll(&self, group: &str, member: u64) -> Result<Option<Delivery>, PortError> {
        let mut state = self.lock();
        let State {
            logs,
            log_starts,
            groups,
            ..
        } = &mut *state;
        let g = groups
            .get_mut(group)
            .filter(|g| g.members.contains_key(&member))
            .ok_or_else(|| PortError::Rebalanced(format!("member {member} left {group}")))?;
        let owned: Vec<PartitionKey> = g
            .owners
            .iter()
            .filter(|(_, m)| **m == member)
            .map(|(p, _)| *p)
            .collect();
        // Round-robin over owned partitions from a per-member cursor: keeps per-partition
        // order, starves no partition, and is deterministic.
        let start = g.cursors.get(&member).copied().unwrap_or(0);
        for i in 0..owned.len() {
            let key = owned[(start + i) % owned.len()];
            let mut position = g.positions.get(&key).copied().unwrap_or(0);
            let end = logs.get(&key).map_or(0, Vec::len) as u64;
            let first = log_starts.get(&key).copied().unwrap_or(0).min(end);
            if position > end || position < first {
                // The log lost its tail after this position was committed, or retention
                // deleted what the position points at: Kafka answers the fetch
                // OFFSET_OUT_OF_RANGE and the consumer resets (`auto.offset.reset =
                // earliest`). Had the log grown past the position again, the fetch would have
                // succeeded and silently skipped what was appended below it, as Kafka does.
                position = first;
                g.positions.insert(key, first);
            }
            if let Some(record) = logs.get(&key).and_then(|log| log.get(position as usize)) {
                g.positions.insert(key, position + 1);
                g.cursors.insert(member, start + i + 1);
                return Ok(Some(Delivery {
                    topic: key.0,
                    partition: key.1,
                    offset: position,
                    key: record.key.clone(),
                    payload: record.payload.clone(),
                    correlation_id: record.correlation_id.clone(),
                    replay: record.replay,
                    trace: record.trace,
                }));
            }
        }
        Ok(None)
    }

    /// Commits past `offset` on the partition, if `member` owns it.
    ///
    /// # Errors
    /// [`PortError::Rebalanced`] when the partition is not assigned to `member`.
    pub fn commit(
        &self,
        group: &str,
        member: u64,
        topic: Topic,
        partition: u32,
        offset: u64,
    ) -> Result<(), PortError> {
        let mut state = self.lock();
        let g = state.groups.get_mut(group);
        match g {
            Some(g) if g.owners.get(&(topic, partition)) == Some(&member) => {
                g.committed.insert((topic, partition), offset + 1);
                Ok(())
            }
            _ => Err(PortError::Rebalanced(format!(
                "{topic}/{partition} is not assigned to member {member} of {group}"
            ))),
        }
    }

    /// Cuts a partition's log back to its first `len` records — what a broker with one
    /// replica keeps after a power loss took the unflushed tail (the simulation's fault) —
    /// and returns the payloads it lost.
    pub fn truncate(&self, topic: Topic, partition: u32, len: u64) -> Vec<Vec<u8>> {
        let mut state = self.lock();
        let Some(log) = state.logs.get_mut(&(topic, partition)) else {
            return Vec::new();
        };
        let cut = (len as usize).min(log.len());
        let lost = log.split_off(cut).into_iter().map(|r| r.payload).collect();
        if let Some(start) = state.log_starts.get_mut(&(topic, partition)) {
            *start = (*start).min(cut as u64);
        }
        lost
    }

    /// Retention deleted a partition's records below `offset` (never moves back).
    pub fn delete_before(&self, topic: Topic, partition: u32, offset: u64) {
        let mut state = self.lock();
        let start = state.log_starts.entry((topic, partition)).or_default();
        *start = (*start).max(offset);
    }

    /// Partitions per topic.
    pub fn partitions(&self) -> u32 {
        self.lock().partitions
    }

    /// The offset the next record of a partition gets.
    pub fn end_offset(&self, topic: Topic, partition: u32) -> u64 {
        let state = self.lock();
        state.logs.get(&(topic, partition)).map_or(0, Vec::len) as u64
    }

    /// The first offset of a partition retention kept.
    pub fn log_start(&self, topic: Topic, partition: u32) -> u64 {
        let state = self.lock();
        state
            .log_starts
            .get(&(topic, partition))
            .copied()
            .unwrap_or(0)
    }

    /// The groups with no member now.
    pub fn empty_groups(&self) -> Vec<String> {
        let state = self.lock();
        let empty = state.groups.iter().filter(|(_, g)| g.members.is_empty());
        empty.map(|(name, _)| name.clone()).collect()
    }

    /// Forgets the committed offsets of `group` if it has no member (the broker's
    /// `offsets.retention.minutes` ran out): it starts again from the earliest offset.
    /// Whether it had any.
    pub fn expire_offsets(&self, group: &str) -> bool {
        let mut state = self.lock();
        match state.groups.get_mut(group) {
            Some(g) if g.members.is_empty() && !g.committed.is_empty() => {
                g.committed.clear();
                true
            }
            _ => false,
        }
    }

    /// Sets a group's committed offset of one partition (a lost commit rolls it back).
    pub fn set_committed(&self, group: &str, topic: Topic, partition: u32, offset: u64) {
        let mut state = self.lock();
        let g = state.groups.entry(group.to_owned()).or_default();
        g.committed.insert((topic, partition), offset);
    }

    /// A group's committed offset of one partition (0 when it never committed).
    pub fn committed(&self, group: &str, topic: Topic, partition: u32) -> u64 {
        let state = self.lock();
        state
            .groups
            .get(group)
            .and_then(|g| g.committed.get(&(topic, partition)).copied())
            .unwrap_or(0)
    }

    /// Records not yet handed to `member` across its partitions.
    pub fn member_lag(&self, group: &str, member: u64) -> u64 {
        let state = self.lock();
        let Some(g) = state.groups.get(group) else {
            return 0;
        };
        g.owners
            .iter()
            .filter(|(_, m)| **m == member)
            .map(|(key, _)| {
                let end = state.logs.get(key).map_or(0, Vec::len) as u64;
                end.saturating_sub(g.positions.get(key).copied().unwrap_or(0))
            })
            .sum()
    }

    /// Resolves at the next append or membership change.
    pub async fn changed(&self) {
        self.appended.notified().await;
    }

    /// Every record of every topic and every group's committed offsets.
    pub fn snapshot(&self) -> BusSnapshot {
        let state = self.lock();
        let records = state
            .logs
            .iter()
            .flat_map(|((topic, partition), log)| {
                log.iter().enumerate().map(move |(offset, r)| TopicRecord {
                    topic: *topic,
                    partition: *partition,
                    offset: offset as u64,
                    key: r.key.clone(),
                    payload: r.payload.clone(),
                    timestamp: r.at,
                    trace: r.trace,
                    replay: r.replay,
                })
            })
            .collect();
        let end_offsets = state
            .logs
            .iter()
            .map(|(key, log)| (*key, log.len() as u64))
            .collect();
        let groups = state
            .groups
            .iter()
            .map(|(name, g)| GroupOffsets {
                group: name.clone(),
                committed: g.committed.clone(),
            })
            .collect();
        BusSnapshot {
            records,
            end_offsets,
            groups,
        }
    }
}

#[async_trait]
impl EventBus for MemoryEventBus {
    async fn publish(&self, messages: Vec<OutgoingMessage>) -> Result<(), PortError> {
        self.check_sizes(&messages)?;
        self.append(&messages);
        Ok(())
    }

    fn max_message_bytes(&self) -> usize {
        self.max_message_bytes
    }

    async fn subscribe(
        &self,
        group: &str,
        topics: &[Topic],
    ) -> Result<Box<dyn Consumer>, PortError> {
        let member = self.join(group, topics);
        Ok(Box::new(MemoryConsumer {
            bus: self.clone(),
            group: group.to_owned(),
            member,
        }))
    }

    async fn ping(&self) -> Result<(), PortError> {
        Ok(())
    }
}

/// A member of a consumer group on the [`MemoryEventBus`]; leaves the group when dropped.
#[derive(Debug)]
pub struct MemoryConsumer {
    bus: MemoryEventBus,
    group: String,
    member: u64,
}

#[async_trait]
impl Consumer for MemoryConsumer {
    async fn next(&mut self) -> Result<Delivery, PortError> {
        loop {
            // Register interest before polling so an append in between is not missed.
            let changed = self.bus.appended.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(delivery) = self.bus.poll(&self.group, self.member)? {
                return Ok(delivery);
            }
            changed.await;
        }
    }

    fn try_next(&mut self) -> Option<Result<Delivery, PortError>> {
        self.bus.poll(&self.group, self.member).transpose()
    }

    async fn commit(&mut self, delivery: &Delivery) -> Result<(), PortError> {
        self.bus.commit(
            &self.group,
            self.member,
            delivery.topic,
            delivery.partition,
            delivery.offset,
        )
    }

    fn lag(&self) -> Option<u64> {
        Some(self.bus.member_lag(&self.group, self.member))
    }
}

impl Drop for MemoryConsumer {
    fn drop(&mut self) {
        self.bus.leave(&self.group, self.member);
    }
}
