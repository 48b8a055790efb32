//! Bounded reads of the topics for the operators' tools: the saga groups' positions without a
//! record, the DLQ topics from where the last reader stopped, and the records of one order near
//! a time. Each is bounded in records and in time, so none grows with everything ever stored.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::Consumer;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};
use saga_core::Topic;
use saga_core::ports::PortError;
use saga_core::snapshot::{BusSnapshot, TopicRecord};
use time::OffsetDateTime;

use crate::BACKEND;
use crate::config::KafkaConfig;
use crate::error::port_error;
use crate::snapshot::{committed, positions_blocking, positions_of, reader};

/// How much one read may take.
#[derive(Debug, Clone)]
pub(crate) struct Bounds {
    pub deadline: Instant,
    /// Records read at most, kept or not.
    pub max_records: usize,
    /// Only records with this key are kept (all are still read).
    pub key: Option<String>,
    /// A partition is done at its first record stamped after this (Unix milliseconds).
    pub until_ms: Option<i64>,
}

impl Bounds {
    pub fn within(limit: Duration) -> Self {
        Self {
            deadline: Instant::now() + limit,
            max_records: usize::MAX,
            key: None,
            until_ms: None,
        }
    }
}

/// What a bounded read found.
#[derive(Debug, Default)]
pub(crate) struct Ranges {
    pub records: Vec<TopicRecord>,
    /// The next offset of each partition read from.
    pub next: BTreeMap<(String, i32), i64>,
    /// Every partition was read to its end.
    pub finished: bool,
}

/// Reads each partition of `ranges` from its start offset to its (exclusive) end offset, within
/// `bounds`.
pub(crate) fn read_ranges(
    config: &KafkaConfig,
    ranges: BTreeMap<(String, i32), (Offset, i64)>,
    bounds: &Bounds,
) -> Result<Ranges, PortError> {
    let mut read = Ranges::default();
    let reader = reader(config, &config.group_name("snapshot-reader"))?;
    let mut assignment = TopicPartitionList::new();
    let mut remaining = BTreeMap::new();
    for ((topic, partition), (start, end)) in ranges {
        if let Offset::Offset(at) = start {
            read.next.insert((topic.clone(), partition), at);
            if at >= end {
                continue;
            }
        }
        assignment
            .add_partition_offset(&topic, partition, start)
            .map_err(port_error)?;
        remaining.insert((topic, partition), end);
    }
    if !remaining.is_empty() {
        reader.assign(&assignment).map_err(port_error)?;
    }
    let mut seen = 0;
    while !remaining.is_empty() && seen < bounds.max_records {
        if Instant::now() > bounds.deadline {
            return Ok(read);
        }
        let Some(message) = reader.poll(Duration::from_millis(100)) else {
            continue;
        };
        let message = message.map_err(port_error)?;
        seen += 1;
        let key = (message.topic().to_owned(), message.partition());
        let late = bounds
            .until_ms
            .zip(message.timestamp().to_millis())
            .is_some_and(|(until, at)| at > until);
        if late {
            remaining.remove(&key);
            continue;
        }
        read.next.insert(key.clone(), message.offset() + 1);
        if remaining
            .get(&key)
            .is_some_and(|end| message.offset() + 1 >= *end)
        {
            remaining.remove(&key);
        }
        let Some(record) = record_of(config, &message) else {
            continue;
        };
        if bounds.key.is_none() || record.key == bounds.key {
            read.records.push(record);
        }
    }
    read.finished = remaining.is_empty();
    Ok(read)
}

fn record_of(config: &KafkaConfig, message: &BorrowedMessage<'_>) -> Option<TopicRecord> {
    Some(TopicRecord {
        topic: config.parse_topic(message.topic())?,
        partition: u32::try_from(message.partition()).unwrap_or(0),
        offset: u64::try_from(message.offset()).unwrap_or(0),
        key: message
            .key()
            .map(|k| String::from_utf8_lossy(k).into_owned()),
        payload: message.payload().unwrap_or_default().to_vec(),
        timestamp: message.timestamp().to_millis().and_then(|ms| {
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
        }),
        trace: crate::headers::trace(message),
        replay: saga_core::ports::ReplayMark::from_headers(
            crate::headers::header(message, saga_core::ports::ReplayMark::OF_HEADER),
            crate::headers::header(message, saga_core::ports::ReplayMark::COUNT_HEADER),
        ),
    })
}

/// Every topic's end offsets and the committed offsets of `groups` (unprefixed names), without
/// reading a record: what lag is computed from.
///
/// # Errors
/// [`PortError`] when Kafka is unreachable.
pub async fn read_positions(
    config: &KafkaConfig,
    groups: &[&str],
) -> Result<BusSnapshot, PortError> {
    let ends = {
        let config = config.clone();
        blocking(move || positions_blocking(&config, &[]).map(|(positions, _)| positions)).await?
    };
    // Each group's coordinator is found and asked on its own: together, not one after another.
    let asked = groups.iter().map(|group| {
        let config = config.clone();
        let group = (*group).to_owned();
        let partitions: Vec<(Topic, u32)> = ends.end_offsets.keys().copied().collect();
        blocking(move || {
            let mut all = TopicPartitionList::new();
            for (topic, p) in partitions {
                all.add_partition(&config.topic_name(topic), i32::try_from(p).unwrap_or(0));
            }
            committed(&config, &group, &all)
        })
    });
    let groups = futures::future::try_join_all(asked).await?;
    Ok(BusSnapshot { groups, ..ends })
}

/// Records read onwards from stored positions.
#[derive(Debug, Clone, Default)]
pub struct Continued {
    pub records: Vec<TopicRecord>,
    /// Where the next read starts, per partition.
    pub next: BTreeMap<(Topic, u32), u64>,
    /// Every partition was read to the end it had when the read began.
    pub caught_up: bool,
}

/// Reads `topics` from `from` (a partition not in it from its beginning; records already
/// deleted are skipped), at most `max_records` and for at most `limit`.
///
/// # Errors
/// [`PortError`] when Kafka is unreachable.
pub async fn read_onwards(
    config: &KafkaConfig,
    topics: &[Topic],
    from: &BTreeMap<(Topic, u32), u64>,
    max_records: usize,
    limit: Duration,
) -> Result<Continued, PortError> {
    let config = config.clone();
    let topics = topics.to_vec();
    let from = from.clone();
    blocking(move || {
        let bounds = Bounds {
            deadline: Instant::now() + limit,
            max_records,
            key: None,
            until_ms: None,
        };
        let (ends, lows) = positions_of(&config, &topics, &[])?;
        let mut ranges = BTreeMap::new();
        for (&(topic, p), &end) in ends
            .end_offsets
            .iter()
            .filter(|((t, _), _)| topics.contains(t))
        {
            let low = lows.get(&(topic, p)).copied().unwrap_or(0);
            let start = from.get(&(topic, p)).copied().unwrap_or(0).max(low);
            let name = config.topic_name(topic);
            let at = i64::try_from(start).unwrap_or(i64::MAX);
            ranges.insert(
                (name, i32::try_from(p).unwrap_or(0)),
                (Offset::Offset(at), i64::try_from(end).unwrap_or(0)),
            );
        }
        let read = read_ranges(&config, ranges, &bounds)?;
        let next = read
            .next
            .iter()
            .filter_map(|((name, p), at)| {
                let topic = config.parse_topic(name)?;
                Some(((topic, u32::try_from(*p).ok()?), u64::try_from(*at).ok()?))
            })
            .collect();
        Ok(Continued {
            records: read.records,
            next,
            caught_up: read.finished,
        })
    })
    .await
}

/// The records keyed `key` on `topics` stamped between `since` and `until`: each partition
/// read from its first offset at or after `since` up to its first record after `until` (or its
/// end), at most `max_records` read in all and for at most `limit`. Whether the read finished
/// every partition is returned beside them.
///
/// # Errors
/// [`PortError`] when Kafka is unreachable.
pub async fn records_since(
    config: &KafkaConfig,
    topics: &[Topic],
    key: String,
    (since, until): (OffsetDateTime, OffsetDateTime),
    max_records: usize,
    limit: Duration,
) -> Result<(Vec<TopicRecord>, bool), PortError> {
    let config = config.clone();
    let topics = topics.to_vec();
    blocking(move || {
        let deadline = Instant::now() + limit;
        let (ends, _) = positions_of(&config, &topics, &[])?;
        let probe = reader(&config, &config.group_name("snapshot-reader"))?;
        let millis = millis_of(since);
        let mut wanted = TopicPartitionList::new();
        for &(topic, p) in ends.end_offsets.keys().filter(|(t, _)| topics.contains(t)) {
            let name = config.topic_name(topic);
            wanted
                .add_partition_offset(&name, i32::try_from(p).unwrap_or(0), Offset::Offset(millis))
                .map_err(port_error)?;
        }
        let starts = probe
            .offsets_for_times(wanted, config.request_timeout)
            .map_err(port_error)?;
        let mut ranges = BTreeMap::new();
        for element in starts.elements() {
            let Some(topic) = config.parse_topic(element.topic()) else {
                continue;
            };
            let p = u32::try_from(element.partition()).unwrap_or(0);
            let end = ends.end_offsets.get(&(topic, p)).copied().unwrap_or(0);
            let end = i64::try_from(end).unwrap_or(0);
            let start = match element.offset() {
                Offset::Offset(at) => at,
                _ => end,
            };
            ranges.insert(
                (element.topic().to_owned(), element.partition()),
                (Offset::Offset(start), end),
            );
        }
        let bounds = Bounds {
            deadline,
            max_records,
            key: Some(key),
            until_ms: Some(millis_of(until)),
        };
        let read = read_ranges(&config, ranges, &bounds)?;
        Ok((read.records, read.finished))
    })
    .await
}

fn millis_of(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

async fn blocking<T: Send + 'static>(
    read: impl FnOnce() -> Result<T, PortError> + Send + 'static,
) -> Result<T, PortError> {
    tokio::task::spawn_blocking(read)
        .await
        .map_err(|e| PortError::unavailable(BACKEND, e))?
}

/// Commits `group`'s position (an unprefixed name) at the end of each of `topics`' partitions,
/// as if it had consumed everything they hold: what a deployment that has run for a while
/// looks like, for loading a history.
///
/// # Errors
/// [`PortError`] when Kafka is unreachable or refuses the commit.
pub async fn commit_at_end(
    config: &KafkaConfig,
    group: &str,
    topics: &[Topic],
) -> Result<(), PortError> {
    let config = config.clone();
    let group = group.to_owned();
    let topics = topics.to_vec();
    blocking(move || {
        let (ends, _) = positions_of(&config, &topics, &[])?;
        let member = reader(&config, &config.group_name(&group))?;
        let mut at = TopicPartitionList::new();
        for (&(topic, p), &end) in &ends.end_offsets {
            let offset = Offset::Offset(i64::try_from(end).unwrap_or(i64::MAX));
            at.add_partition_offset(
                &config.topic_name(topic),
                i32::try_from(p).unwrap_or(0),
                offset,
            )
            .map_err(port_error)?;
        }
        member
            .commit(&at, rdkafka::consumer::CommitMode::Sync)
            .map_err(port_error)
    })
    .await
}
