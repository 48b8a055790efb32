//! Topic administration: the saga's four topics created idempotently at start-up, and
//! removal of test topics by prefix.

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::producer::{FutureProducer, Producer};
use saga_core::Topic;

use crate::config::{ConnectError, KafkaConfig};

fn admin(config: &KafkaConfig) -> Result<AdminClient<DefaultClientContext>, ConnectError> {
    config.client().create().map_err(|e| ConnectError::Config {
        var: "KAFKA_BOOTSTRAP_SERVERS",
        reason: e.to_string(),
    })
}

fn options(config: &KafkaConfig) -> AdminOptions {
    AdminOptions::new().operation_timeout(Some(config.request_timeout))
}

/// Creates `orders`, `payments`, `orders-dlq` and `payments-dlq` (with the configured prefix
/// and partition count) unless they exist.
///
/// # Errors
/// [`ConnectError::Topics`] when the broker refuses or cannot be reached.
pub async fn ensure_topics(config: &KafkaConfig) -> Result<(), ConnectError> {
    let names: Vec<String> = Topic::ALL.iter().map(|t| config.topic_name(*t)).collect();
    let topics: Vec<NewTopic<'_>> = names
        .iter()
        .map(|name| NewTopic::new(name, config.partitions, TopicReplication::Fixed(1)))
        .collect();
    let failed = |reason: String| ConnectError::Topics {
        target: config.bootstrap_servers.clone(),
        reason,
    };
    let results = admin(config)?
        .create_topics(&topics, &options(config))
        .await
        .map_err(|e| failed(e.to_string()))?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((name, code)) => return Err(failed(format!("{name}: {code}"))),
        }
    }
    Ok(())
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

/// How long `topic` keeps records (`retention.ms`); `None` when it keeps them forever.
///
/// # Errors
/// [`ConnectError::Topics`] when the broker cannot be asked or does not say.
pub async fn topic_retention(
    config: &KafkaConfig,
    topic: Topic,
) -> Result<Option<std::time::Duration>, ConnectError> {
    let name = config.topic_name(topic);
    let failed = |reason: String| ConnectError::Topics {
        target: config.bootstrap_servers.clone(),
        reason: format!("reading retention.ms of {name}: {reason}"),
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
    let millis: i64 = resource
        .get("retention.ms")
        .and_then(|entry| entry.value.as_deref())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| failed("not reported".into()))?;
    Ok(u64::try_from(millis)
        .ok()
        .map(std::time::Duration::from_millis))
}
