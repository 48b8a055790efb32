//! Kafka settings read from the environment: where the brokers are, how hard to try at
//! start-up, and how topic and group names are prefixed (so tests can isolate).

use std::time::Duration;

use rdkafka::ClientConfig;
use saga_core::Topic;

use crate::BACKEND;
use crate::replication::{self, Replication};
use crate::security::Security;

/// How to reach Kafka and how the saga's topics are named and sized.
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    /// `KAFKA_BOOTSTRAP_SERVERS` (default `kafka:9092`, as in compose).
    pub bootstrap_servers: String,
    /// `KAFKA_CONNECT_ATTEMPTS` (default 5): start-up attempts, with backoff, before giving up.
    pub connect_attempts: u32,
    /// `KAFKA_TOPIC_PREFIX` (default empty): prepended to every topic and consumer group.
    pub prefix: String,
    /// `KAFKA_TOPIC_PARTITIONS` (default 3): partitions of topics this adapter creates.
    pub partitions: i32,
    /// `KAFKA_REQUEST_TIMEOUT_SECONDS` (default 10): client-side deadline of metadata
    /// requests, commits and each broker request; a publish gives up after three times this.
    pub request_timeout: Duration,
    /// `KAFKA_MAX_MESSAGE_BYTES` (default 1,000,000, the producer's default): the largest
    /// record published; rejections are sized to fit under it.
    pub max_message_bytes: usize,
    /// `KAFKA_REPLICATION_FACTOR` and `KAFKA_MIN_INSYNC_REPLICAS` (default: the cluster's own
    /// `default.replication.factor` and `min.insync.replicas`): what the saga's topics are
    /// created with and must have (`crate::replication`).
    pub replication: Replication,
    /// `KAFKA_SECURITY_PROTOCOL` (PLAINTEXT, SSL or SASL_SSL), `KAFKA_SSL_CA_FILE` and, for
    /// SASL_SSL, `KAFKA_SASL_MECHANISM`, `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD_FILE`
    /// (`crate::security`; its `Debug` hides the password).
    pub security: Security,
}

/// Kafka could not be reached at start-up, or a setting is malformed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{var}: {reason}")]
    Config { var: &'static str, reason: String },
    #[error("{BACKEND} unreachable at {target} after {attempts} attempts: {reason}")]
    Unreachable {
        target: String,
        attempts: u32,
        reason: String,
    },
    #[error("{BACKEND} at {target}: creating topics failed: {reason}")]
    Topics { target: String, reason: String },
    #[error("{BACKEND} topic {topic}: {reason}")]
    Replication { topic: String, reason: String },
}

impl KafkaConfig {
    pub fn new(bootstrap_servers: impl Into<String>) -> Self {
        Self {
            bootstrap_servers: bootstrap_servers.into(),
            connect_attempts: 5,
            prefix: String::new(),
            partitions: 3,
            request_timeout: Duration::from_secs(10),
            max_message_bytes: saga_core::ports::DEFAULT_MAX_MESSAGE_BYTES,
            replication: Replication::default(),
            security: Security::default(),
        }
    }

    /// How long a publish may take before it fails: three request timeouts.
    pub fn publish_timeout(&self) -> Duration {
        self.request_timeout * 3
    }

    /// Reads the `KAFKA_*` variables above.
    ///
    /// # Errors
    /// [`ConnectError::Config`] naming the malformed variable.
    pub fn from_env() -> Result<Self, ConnectError> {
        let servers =
            std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "kafka:9092".into());
        let mut config = Self::new(servers);
        config.prefix = std::env::var("KAFKA_TOPIC_PREFIX").unwrap_or_default();
        config.connect_attempts = number("KAFKA_CONNECT_ATTEMPTS", 5)?;
        config.partitions = number("KAFKA_TOPIC_PARTITIONS", 3)?;
        config.request_timeout = Duration::from_secs(number("KAFKA_REQUEST_TIMEOUT_SECONDS", 10)?);
        config.max_message_bytes = number("KAFKA_MAX_MESSAGE_BYTES", config.max_message_bytes)?;
        config.replication = Replication {
            factor: optional_number(replication::FACTOR_VAR)?,
            min_insync: optional_number(replication::MIN_INSYNC_VAR)?,
        };
        config.security = Security::from_lookup(|var| std::env::var(var).ok())
            .map_err(|(var, reason)| ConnectError::Config { var, reason })?;
        Ok(config)
    }

    /// The broker-side name of a saga topic.
    pub fn topic_name(&self, topic: Topic) -> String {
        format!("{}{}", self.prefix, topic.as_str())
    }

    /// The saga topic a broker-side name stands for, if any.
    pub fn parse_topic(&self, name: &str) -> Option<Topic> {
        name.strip_prefix(self.prefix.as_str())
            .and_then(Topic::parse)
    }

    /// The broker-side name of a consumer group.
    pub fn group_name(&self, group: &str) -> String {
        format!("{}{group}", self.prefix)
    }

    /// Settings every client of this adapter shares (public for test tools that speak to
    /// the same cluster beyond the adapter's calls, such as granting ACLs).
    pub fn client(&self) -> ClientConfig {
        let mut client = ClientConfig::new();
        client
            .set("bootstrap.servers", &self.bootstrap_servers)
            .set("client.id", "order-saga")
            .set("socket.keepalive.enable", "true")
            .set("reconnect.backoff.max.ms", "2000")
            // A broker request unanswered this long fails (and its connection is dropped), so a
            // black-holed link surfaces as an error rather than a wait.
            .set("socket.timeout.ms", Self::millis(self.request_timeout))
            .set("log_level", "4");
        self.security.apply(&mut client);
        client
    }

    pub(crate) fn millis(duration: Duration) -> String {
        duration.as_millis().to_string()
    }
}

fn number<T: std::str::FromStr>(var: &'static str, default: T) -> Result<T, ConnectError> {
    Ok(optional_number(var)?.unwrap_or(default))
}

fn optional_number<T: std::str::FromStr>(var: &'static str) -> Result<Option<T>, ConnectError> {
    match std::env::var(var) {
        Err(_) => Ok(None),
        Ok(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| ConnectError::Config {
                var,
                reason: format!("expected a non-negative integer, got {text:?}"),
            }),
    }
}
