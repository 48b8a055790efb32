//! The checker's view of Kafka: every record of the four topics read to the end, the end
//! offsets, and the saga groups' committed offsets. Read with group-less assigned consumers,
//! so reading never joins or disturbs a group.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use saga_core::Topic;
use saga_core::ports::PortError;
use saga_core::snapshot::{BusSnapshot, GroupOffsets, TopicRecord};
use time::OffsetDateTime;

use crate::BACKEND;
use crate::config::KafkaConfig;
use crate::error::port_error;

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

fn reader(config: &KafkaConfig, group: &str) -> Result<BaseConsumer, PortError> {
    config
        .client()
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .create()
        .map_err(port_error)
}

fn read_blocking(config: &KafkaConfig, groups: &[String]) -> Result<BusSnapshot, PortError> {
    let timeout = config.request_timeout;
    let probe = reader(config, &config.group_name("snapshot-reader"))?;
    let mut snapshot = BusSnapshot::default();
    let mut all = TopicPartitionList::new();
    let mut remaining: BTreeMap<(String, i32), i64> = BTreeMap::new();
    for topic in Topic::ALL {
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
            all.add_partition(&name, id);
            if high > low {
                remaining.insert((name.clone(), id), high);
            }
        }
    }
    read_to_end(config, remaining, &mut snapshot)?;
    for group in groups {
        let member = reader(config, &config.group_name(group))?;
        let committed = member
            .committed_offsets(all.clone(), timeout)
            .map_err(port_error)?;
        let mut offsets = GroupOffsets {
            group: group.clone(),
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
        snapshot.groups.push(offsets);
    }
    Ok(snapshot)
}

/// Polls until every partition in `remaining` has been read up to its end offset.
fn read_to_end(
    config: &KafkaConfig,
    remaining: BTreeMap<(String, i32), i64>,
    snapshot: &mut BusSnapshot,
) -> Result<(), PortError> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let reader = reader(config, &config.group_name("snapshot-reader"))?;
    let mut assignment = TopicPartitionList::new();
    for (topic, partition) in remaining.keys() {
        assignment
            .add_partition_offset(topic, *partition, Offset::Beginning)
            .map_err(port_error)?;
    }
    reader.assign(&assignment).map_err(port_error)?;
    let mut remaining = remaining;
    while !remaining.is_empty() {
        if Instant::now() > deadline {
            return Err(PortError::Timeout {
                backend: BACKEND,
                after: Duration::from_secs(60),
            });
        }
        let Some(message) = reader.poll(Duration::from_millis(200)) else {
            continue;
        };
        let message = message.map_err(port_error)?;
        let Some(topic) = config.parse_topic(message.topic()) else {
            continue;
        };
        let key = (message.topic().to_owned(), message.partition());
        snapshot.records.push(TopicRecord {
            topic,
            partition: u32::try_from(message.partition()).unwrap_or(0),
            offset: u64::try_from(message.offset()).unwrap_or(0),
            key: message
                .key()
                .map(|k| String::from_utf8_lossy(k).into_owned()),
            payload: message.payload().unwrap_or_default().to_vec(),
            timestamp: message.timestamp().to_millis().and_then(|ms| {
                OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
            }),
            trace: crate::headers::trace(&message),
        });
        if remaining
            .get(&key)
            .is_some_and(|end| message.offset() + 1 >= *end)
        {
            remaining.remove(&key);
        }
    }
    snapshot
        .records
        .sort_by_key(|r| (r.topic, r.partition, r.offset));
    Ok(())
}
