//! Topic administration: the saga's four topics created idempotently at start-up with the
//! configured replication, which existing topics are checked against, and removal of test
//! topics by prefix.

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::producer::{FutureProducer, Producer};
use std::collections::BTreeMap;

use saga_core::Topic;

use crate::config::{ConnectError, KafkaConfig};
use crate::replication::{Required, TopicFacts};

fn admin(config: &KafkaConfig) -> Result<AdminClient<DefaultClientContext>, ConnectError> {
    config.client().create().map_err(|e| ConnectError::Config {
        var: "KAFKA_BOOTSTRAP_SERVERS",
        reason: e.to_string(),
    })
}

/// The segment span topics are created with: Kafka deletes whole segments, so a record can be
/// read for up to one segment longer than `retention.ms`; the broker's default (7 days) would
/// double the redelivery window every deduplication record must outlive.
const SEGMENT_MS: &str = "3600000";

fn options(config: &KafkaConfig) -> AdminOptions {
    AdminOptions::new().operation_timeout(Some(config.request_timeout))
}

/// Creates `orders`, `payments`, `orders-dlq` and `payments-dlq` (with the configured prefix,
/// partition count and replication) unless they exist, then checks that every one of them
/// has the replication the configuration requires (`crate::replication`).
///
/// # Errors
/// [`ConnectError::Topics`] when the broker refuses or cannot be reached;
/// [`ConnectError::Config`] naming the topic and the variable it falls short of;
/// [`ConnectError::Replication`] for a topic with unclean leader election on.
pub async fn ensure_topics(config: &KafkaConfig) -> Result<Required, ConnectError> {
    let failed = |reason: String| ConnectError::Topics {
        target: config.bootstrap_servers.clone(),
        reason,
    };
    let names: Vec<String> = Topic::ALL.iter().map(|t| config.topic_name(*t)).collect();
    let required = config
        .replication
        .resolve(cluster_defaults(config).await.map_err(failed)?)?;
    let min_insync = required.min_insync.to_string();
    let topics: Vec<NewTopic<'_>> = names
        .iter()
        .map(|name| {
            NewTopic::new(
                name,
                config.partitions,
                TopicReplication::Fixed(required.factor),
            )
            .set("min.insync.replicas", &min_insync)
            .set("segment.ms", SEGMENT_MS)
        })
        .collect();
    let results = admin(config)?
        .create_topics(&topics, &options(config))
        .await
        .map_err(|e| failed(e.to_string()))?;
    // Only topics that existed before can fall short: the rest were just created as required.
    let mut existing = Vec::new();
    for result in results {
        match result {
            Ok(_) => {}
            Err((name, RDKafkaErrorCode::TopicAlreadyExists)) => existing.push(name),
            Err((name, code)) => return Err(failed(format!("{name}: {code}"))),
        }
    }
    if !existing.is_empty() {
        required.check(&described(config, &existing).await.map_err(failed)?)?;
    }
    Ok(required)
}

/// [`describe_topics`], asked again while a topic another client has just created is not yet
/// in the broker's metadata (a few times, 200 ms apart).
async fn described(config: &KafkaConfig, names: &[String]) -> Result<Vec<TopicFacts>, String> {
    let mut attempts = 0;
    loop {
        let facts = describe_topics(config, names).await?;
        attempts += 1;
        if facts.iter().all(|t| t.factor > 0) || attempts == 10 {
            return Ok(facts);
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// One partition as the cluster's metadata describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionFacts {
    pub topic: String,
    pub partition: i32,
    /// The leader's node id (`-1` while there is none).
    pub leader: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
}

/// The ids of the brokers that answer, and every partition of every topic.
///
/// # Errors
/// The client's error, as text, when the metadata cannot be read.
pub async fn describe_partitions(
    config: &KafkaConfig,
) -> Result<(Vec<i32>, Vec<PartitionFacts>), String> {
    let probe: FutureProducer = config.client().create().map_err(|e| e.to_string())?;
    let timeout = config.request_timeout;
    tokio::task::spawn_blocking(move || {
        let metadata = probe
            .client()
            .fetch_metadata(None, timeout)
            .map_err(|e| e.to_string())?;
        let partitions = metadata
            .topics()
            .iter()
            .flat_map(|topic| {
                topic.partitions().iter().map(|p| PartitionFacts {
                    topic: topic.name().to_owned(),
                    partition: p.id(),
                    leader: p.leader(),
                    replicas: p.replicas().to_vec(),
                    isr: p.isr().to_vec(),
                })
            })
            .collect();
        let brokers = metadata.brokers().iter().map(|b| b.id()).collect();
        Ok((brokers, partitions))
    })
    .await
    .map_err(|e| e.to_string())?
}

/// The replication a broker gives a topic created without settings of its own:
/// `default.replication.factor` and `min.insync.replicas` (asked of the first broker that
/// answers; a cluster configures them alike).
async fn cluster_defaults(config: &KafkaConfig) -> Result<Required, String> {
    let (brokers, _) = describe_partitions(config).await?;
    let broker = brokers.first().copied().ok_or("no broker answered")?;
    let described = admin(config)
        .map_err(|e| e.to_string())?
        .describe_configs(&[ResourceSpecifier::Broker(broker)], &options(config))
        .await
        .map_err(|e| e.to_string())?;
    let resource = described
        .into_iter()
        .next()
        .ok_or("no answer")?
        .map_err(|e| e.to_string())?;
    let number = |key: &str| {
        resource
            .get(key)
            .and_then(|e| e.value.as_deref())
            .and_then(|v| v.parse().ok())
            .ok_or(format!("broker {broker} does not report {key}"))
    };
    Ok(Required {
        factor: number("default.replication.factor")?,
        min_insync: number("min.insync.replicas")?,
    })
}

/// The fewest replicas any partition of each topic has.
async fn replica_counts(config: &KafkaConfig) -> Result<BTreeMap<String, i32>, String> {
    let (_, partitions) = describe_partitions(config).await?;
    let mut fewest: BTreeMap<String, i32> = BTreeMap::new();
    for p in partitions {
        let count = i32::try_from(p.replicas.len()).unwrap_or(i32::MAX);
        let slot = fewest.entry(p.topic).or_insert(count);
        *slot = (*slot).min(count);
    }
    Ok(fewest)
}

/// What the brokers say about the replication of each of `names`.
async fn describe_topics(
    config: &KafkaConfig,
    names: &[String],
) -> Result<Vec<TopicFacts>, String> {
    let replicas = replica_counts(config).await?;
    let resources: Vec<ResourceSpecifier<'_>> =
        names.iter().map(|n| ResourceSpecifier::Topic(n)).collect();
    let described = admin(config)
        .map_err(|e| e.to_string())?
        .describe_configs(&resources, &options(config))
        .await
        .map_err(|e| e.to_string())?;
    names
        .iter()
        .zip(described)
        .map(|(name, resource)| {
            let resource = resource.map_err(|e| format!("{name}: {e}"))?;
            let value = |key: &str| resource.get(key).and_then(|e| e.value.clone());
            Ok(TopicFacts {
                name: name.clone(),
                factor: replicas.get(name).copied().unwrap_or(0),
                min_insync: value("min.insync.replicas")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1),
                unclean_leader_election: value("unclean.leader.election.enable")
                    .is_some_and(|v| v == "true"),
            })
        })
        .collect()
}

/// Deletes every topic whose name starts with `prefix` and for which `doomed` says yes
/// (tests use it to clear topics of runs that have ended). Best effort.
pub async fn delete_topics_with_prefix(
    config: &KafkaConfig,
    prefix: &str,
    doomed: impl Fn(&str) -> bool,
) {
    let Ok(client) = admin(config) else { return };
    let probe: Result<FutureProducer, _> = config.client().create();
    let Ok(probe) = probe else { return };
    let timeout = config.request_timeout;
    let metadata = tokio::task::spawn_blocking(move || {
        probe.client().fetch_metadata(None, timeout).map(|m| {
            m.topics()
                .iter()
                .map(|t| t.name().to_owned())
                .collect::<Vec<_>>()
        })
    })
    .await;
    let Ok(Ok(names)) = metadata else { return };
    let victims: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|name| name.starts_with(prefix) && doomed(name))
        .collect();
    if !victims.is_empty() {
        let _ = client.delete_topics(&victims, &options(config)).await;
    }
}

/// How long a topic keeps records: `retention.ms` (`None` when forever) and `segment.ms`
/// (Kafka deletes whole segments, so a record can outlive its retention by one segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicStorage {
    pub retention: Option<std::time::Duration>,
    pub segment: std::time::Duration,
}

/// `retention.ms` and `segment.ms` of `topic`, as the broker reports them.
///
/// # Errors
/// [`ConnectError::Topics`] when the broker cannot be asked or does not say.
pub async fn topic_storage(
    config: &KafkaConfig,
    topic: Topic,
) -> Result<TopicStorage, ConnectError> {
    let name = config.topic_name(topic);
    let failed = |reason: String| ConnectError::Topics {
        target: config.bootstrap_servers.clone(),
        reason: format!("reading the retention of {name}: {reason}"),
    };
    let results = admin(config)?
        .describe_configs(&[ResourceSpecifier::Topic(&name)], &options(config))
        .await
        .map_err(|e| failed(e.to_string()))?;
    let resource = results
        .into_iter()
        .next()
        .ok_or_else(|| failed("no answer".into()))?
        .map_err(|e| failed(e.to_string()))?;
    let millis = |key: &str| -> Result<i64, ConnectError> {
        resource
            .get(key)
            .and_then(|entry| entry.value.as_deref())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| failed(format!("{key} not reported")))
    };
    let forever_or = |ms: i64| u64::try_from(ms).ok().map(std::time::Duration::from_millis);
    Ok(TopicStorage {
        retention: forever_or(millis("retention.ms")?),
        segment: forever_or(millis("segment.ms")?).unwrap_or(std::time::Duration::MAX),
    })
}

/// The broker's `offsets.retention.minutes`: how long an empty group's committed offsets are
/// kept (asked of the first broker that answers; a cluster configures it alike).
///
/// # Errors
/// [`ConnectError::Topics`] when the broker cannot be asked or does not say.
pub async fn offsets_retention(config: &KafkaConfig) -> Result<std::time::Duration, ConnectError> {
    let failed = |reason: String| ConnectError::Topics {
        target: config.bootstrap_servers.clone(),
        reason: format!("reading offsets.retention.minutes: {reason}"),
    };
    let (brokers, _) = describe_partitions(config).await.map_err(failed)?;
    let broker = brokers
        .first()
        .copied()
        .ok_or_else(|| failed("no broker answered".into()))?;
    let described = admin(config)?
        .describe_configs(&[ResourceSpecifier::Broker(broker)], &options(config))
        .await
        .map_err(|e| failed(e.to_string()))?;
    let resource = described
        .into_iter()
        .next()
        .ok_or_else(|| failed("no answer".into()))?
        .map_err(|e| failed(e.to_string()))?;
    let minutes: u64 = resource
        .get("offsets.retention.minutes")
        .and_then(|e| e.value.as_deref())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| failed(format!("broker {broker} does not report it")))?;
    Ok(std::time::Duration::from_secs(minutes.saturating_mul(60)))
}
