//! The checker's view of Kafka: every record of the four topics read to the end, the end
//! offsets, and the saga groups' committed offsets. Read with group-less assigned consumers,
//! so reading never joins or disturbs a group.

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use saga_core::Topic;
use saga_core::ports::PortError;
use saga_core::snapshot::{BusSnapshot, GroupOffsets};

use crate::BACKEND;
use crate::config::KafkaConfig;
use crate::error::port_error;
use crate::reads::{Bounds, read_ranges};

/// Reads every topic to its end and the committed offsets of `groups` (unprefixed names,
/// e.g. those of `saga_core::topic::CONSUMER_GROUPS`).
///
/// # Errors
/// [`PortError`] when Kafka is unreachable or reading does not finish within a minute.
pub async fn read_snapshot(
    config: &KafkaConfig,
    groups: &[&str],
) -> Result<BusSnapshot, PortError> {
    let config = config.clone();
    let groups: Vec<String> = groups.iter().map(|g| (*g).to_owned()).collect();
    tokio::task::spawn_blocking(move || read_blocking(&config, &groups))
        .await
        .map_err(|e| PortError::unavailable(BACKEND, e))?
}

pub(crate) fn reader(config: &KafkaConfig, group: &str) -> Result<BaseConsumer, PortError> {
    config
        .client()
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        // A bounded read stops early; what was fetched ahead of it is thrown away.
        .set("queued.max.messages.kbytes", "4096")
        .create()
        .map_err(port_error)
}

fn read_blocking(config: &KafkaConfig, groups: &[String]) -> Result<BusSnapshot, PortError> {
    let (mut snapshot, low) = positions_blocking(config, groups)?;
    let remaining = snapshot
        .end_offsets
        .iter()
        .filter(|(tp, high)| low.get(tp).is_some_and(|low| *high > low))
        .map(|(&(topic, p), &high)| {
            let name = config.topic_name(topic);
            (
                (name, i32::try_from(p).unwrap_or(0)),
                i64::try_from(high).unwrap_or(0),
            )
        })
        .collect();
    read_to_end(config, remaining, &mut snapshot)?;
    Ok(snapshot)
}

/// Each partition's first offset still stored.
pub(crate) type LowMarks = BTreeMap<(Topic, u32), u64>;

/// Every topic's end offsets and the committed offsets of `groups`, without reading a record;
/// and each partition's low watermark.
pub(crate) fn positions_blocking(
    config: &KafkaConfig,
    groups: &[String],
) -> Result<(BusSnapshot, LowMarks), PortError> {
    positions_of(config, &Topic::ALL, groups)
}

/// [`positions_blocking`] for `topics` only.
pub(crate) fn positions_of(
    config: &KafkaConfig,
    topics: &[Topic],
    groups: &[String],
) -> Result<(BusSnapshot, LowMarks), PortError> {
    let timeout = config.request_timeout;
    let probe = reader(config, &config.group_name("snapshot-reader"))?;
    let mut snapshot = BusSnapshot::default();
    let mut low_marks = BTreeMap::new();
    let mut all = TopicPartitionList::new();
    for &topic in topics {
        let name = config.topic_name(topic);
        let metadata = probe
            .fetch_metadata(Some(&name), timeout)
            .map_err(port_error)?;
        for partition in metadata.topics().iter().flat_map(|t| t.partitions()) {
            let id = partition.id();
            let (low, high) = probe
                .fetch_watermarks(&name, id, timeout)
                .map_err(port_error)?;
            let p = u32::try_from(id).unwrap_or(0);
            snapshot
                .end_offsets
                .insert((topic, p), u64::try_from(high).unwrap_or(0));
            low_marks.insert((topic, p), u64::try_from(low).unwrap_or(0));
            all.add_partition(&name, id);
        }
    }
    for group in groups {
        snapshot.groups.push(committed(config, group, &all)?);
    }
    Ok((snapshot, low_marks))
}

pub(crate) fn committed(
    config: &KafkaConfig,
    group: &str,
    all: &TopicPartitionList,
) -> Result<GroupOffsets, PortError> {
    let member = reader(config, &config.group_name(group))?;
    let committed = member
        .committed_offsets(all.clone(), config.request_timeout)
        .map_err(port_error)?;
    let mut offsets = GroupOffsets {
        group: group.to_owned(),
        ..GroupOffsets::default()
    };
    for element in committed.elements() {
        if let (Offset::Offset(at), Some(topic)) =
            (element.offset(), config.parse_topic(element.topic()))
        {
            let p = u32::try_from(element.partition()).unwrap_or(0);
            offsets
                .committed
                .insert((topic, p), u64::try_from(at).unwrap_or(0));
        }
    }
    Ok(offsets)
}

/// Reads every partition in `remaining` from its beginning up to its end offset.
fn read_to_end(
    config: &KafkaConfig,
    remaining: BTreeMap<(String, i32), i64>,
    snapshot: &mut BusSnapshot,
) -> Result<(), PortError> {
    let limit = Duration::from_secs(60);
    let ranges = remaining
        .into_iter()
        .map(|(tp, end)| (tp, (Offset::Beginning, end)))
        .collect();
    let read = read_ranges(config, ranges, &Bounds::within(limit))?;
    if !read.finished {
        return Err(PortError::Timeout {
            backend: BACKEND,
            after: limit,
        });
    }
    snapshot.records = read.records;
    snapshot
        .records
        .sort_by_key(|r| (r.topic, r.partition, r.offset));
    Ok(())
}
