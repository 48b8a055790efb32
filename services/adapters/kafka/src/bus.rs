//! The event bus on Kafka: an idempotent `acks=all` producer whose `publish` returns only
//! after every delivery report (and is rebuilt when librdkafka declares it fatally failed),
//! and consumer groups handed out as [`crate::consumer`]s.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use saga_core::Topic;
use saga_core::ports::{Consumer, EventBus, OutgoingMessage, PortError, ReplayMark};

use saga_core::ports::startup::{GaveUp, connect_with_retries};

use crate::BACKEND;
use crate::admin::ensure_topics;
use crate::config::{ConnectError, KafkaConfig};
use crate::consumer::KafkaConsumer;
use crate::error::port_error;
use crate::security::plaintext_refused;

/// The header that carries the correlation id.
pub(crate) const CORRELATION_HEADER: &str = "correlation_id";

/// Kafka as the saga's event bus. Cheap to clone; clones share the producer.
#[derive(Clone)]
pub struct KafkaEventBus {
    /// Built by the first publish: an idempotent producer asks the cluster for a producer id
    /// as soon as it exists, which a login that only reads (the auditor's) is refused, and
    /// librdkafka reports that refusal as fatal. Replaced when librdkafka declares it fatally
    /// failed: an idempotent producer whose broker lost acknowledged records (a power loss
    /// with one replica) sees a sequence gap, and a fatal producer fails every later publish
    /// for good.
    producer: Arc<RwLock<Option<FutureProducer>>>,
    /// Asks for the cluster's metadata (`ping`): a client that never produces.
    metadata: Arc<BaseConsumer>,
    config: KafkaConfig,
}

/// The idempotent `acks=all` producer `config` asks for.
fn build_producer(config: &KafkaConfig) -> Result<FutureProducer, KafkaError> {
    build_producer_config(config).create()
}

/// That producer's librdkafka settings.
fn build_producer_config(config: &KafkaConfig) -> rdkafka::ClientConfig {
    let mut client = config.client();
    client
        .set("acks", "all")
        .set("enable.idempotence", "true")
        // The Java clients' partitioner, so console tools and this adapter agree.
        .set("partitioner", "murmur2_random")
        // No waiting for company: a record goes out at once, and whatever arrives while a
        // request is in flight shares the next one. Two publishes lie on every order's path
        // (relay, payment worker); `linger.ms=2` cost scripts/bench's half-rate p50 ~5 ms.
        .set("linger.ms", "0")
        .set(
            "message.timeout.ms",
            KafkaConfig::millis(config.publish_timeout()),
        )
        .set("message.max.bytes", config.max_message_bytes.to_string());
    client
}

impl std::fmt::Debug for KafkaEventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaEventBus")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl KafkaEventBus {
    /// Connects with bounded retries (`connect_attempts`, backoff 0.5 s doubling to 5 s),
    /// then creates the saga's topics if they are missing and refuses to go on when they have
    /// less replication than the configuration requires.
    ///
    /// # Errors
    /// [`ConnectError`] naming Kafka and the bootstrap address.
    pub async fn connect(config: KafkaConfig) -> Result<Self, ConnectError> {
        let refused = |e: KafkaError| ConnectError::Config {
            var: "KAFKA_BOOTSTRAP_SERVERS",
            reason: e.to_string(),
        };
        // The producer's settings are checked now, without a producer, so a bad one is
        // refused at start-up rather than at the first publish.
        build_producer_config(&config)
            .create_native_config()
            .map_err(refused)?;
        let metadata = Arc::new(config.client().create::<BaseConsumer>().map_err(refused)?);
        let producer = Arc::new(RwLock::new(None));
        let bus = Self {
            producer,
            metadata,
            config,
        };
        let target = bus.config.bootstrap_servers.clone();
        let reached =
            connect_with_retries(BACKEND, &target, bus.config.connect_attempts, || bus.ping())
                .await;
        if let Err(GaveUp { attempts, reason }) = reached {
            return Err(plaintext_refused(&bus.config, &reason).await.unwrap_or(
                ConnectError::Unreachable {
                    target,
                    attempts,
                    reason,
                },
            ));
        }
        let replication = ensure_topics(&bus.config).await?;
        tracing::info!(%replication, "Kafka topics checked");
        Ok(bus)
    }

    pub fn config(&self) -> &KafkaConfig {
        &self.config
    }

    /// The producer, built by the first call.
    fn producer(&self) -> Result<FutureProducer, PortError> {
        if let Some(producer) = &*self.producer.read().expect("producer lock poisoned") {
            return Ok(producer.clone());
        }
        let mut slot = self.producer.write().expect("producer lock poisoned");
        if let Some(producer) = &*slot {
            return Ok(producer.clone());
        }
        let producer = build_producer(&self.config).map_err(port_error)?;
        *slot = Some(producer.clone());
        Ok(producer)
    }

    /// Replaces the producer when librdkafka declared it fatally failed (it would fail every
    /// publish from now on); the rows it did not deliver stay unpublished and go again.
    fn renew_if_fatal(&self) {
        let current = self
            .producer
            .read()
            .expect("producer lock poisoned")
            .clone();
        let Some((code, reason)) = current.and_then(|p| p.client().fatal_error()) else {
            return;
        };
        match build_producer(&self.config) {
            Ok(fresh) => {
                let mut slot = self.producer.write().expect("producer lock poisoned");
                // Another publish may have renewed it already.
                if slot
                    .as_ref()
                    .is_some_and(|p| p.client().fatal_error().is_some())
                {
                    tracing::warn!(?code, %reason, "the producer failed fatally; a new one replaces it");
                    *slot = Some(fresh);
                }
            }
            Err(error) => {
                tracing::warn!(%error, "the producer failed fatally and cannot be rebuilt")
            }
        }
    }

    /// Enqueues one record, waiting while librdkafka's local queue is full.
    async fn enqueue(
        &self,
        topic: &str,
        message: &OutgoingMessage,
    ) -> Result<rdkafka::producer::DeliveryFuture, PortError> {
        let mut headers = OwnedHeaders::new();
        if let Some(id) = &message.correlation_id {
            headers = headers.insert(Header {
                key: CORRELATION_HEADER,
                value: Some(id.as_str()),
            });
        }
        let replay = message
            .replay
            .map(|mark| (mark.dead_letter.to_string(), mark.count.to_string()));
        if let Some((of, count)) = &replay {
            headers = headers
                .insert(Header {
                    key: ReplayMark::OF_HEADER,
                    value: Some(of.as_str()),
                })
                .insert(Header {
                    key: ReplayMark::COUNT_HEADER,
                    value: Some(count.as_str()),
                });
        }
        let trace = message.trace.map(|trace| trace.to_string());
        if let Some(trace) = &trace {
            headers = headers.insert(Header {
                key: saga_core::domain::TRACEPARENT_HEADER,
                value: Some(trace.as_str()),
            });
        }
        let mut record = FutureRecord::to(topic)
            .key(message.key.as_str())
            .payload(message.payload.as_slice())
            .headers(headers);
        let producer = self.producer()?;
        loop {
            match producer.send_result(record) {
                Ok(delivery) => return Ok(delivery),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err((e, _)) => return Err(port_error(e)),
            }
        }
    }
}

impl KafkaEventBus {
    async fn publish_all(&self, messages: &[OutgoingMessage]) -> Result<(), PortError> {
        // Enqueues everything first (the idempotent producer keeps per-partition order),
        // then wait for every report.
        let mut pending = Vec::with_capacity(messages.len());
        for message in messages {
            let topic = self.config.topic_name(message.topic);
            pending.push(self.enqueue(&topic, message).await?);
        }
        let mut first_error = None;
        for report in futures::future::join_all(pending).await {
            let failure = match report {
                Ok(Ok(_)) => continue,
                Ok(Err((e, _))) => port_error(e),
                Err(_) => PortError::unavailable(BACKEND, "producer dropped a delivery report"),
            };
            first_error.get_or_insert(failure);
        }
        first_error.map_or(Ok(()), Err)
    }
}

#[async_trait]
impl EventBus for KafkaEventBus {
    #[tracing::instrument(skip_all, fields(count = messages.len()))]
    async fn publish(&self, messages: Vec<OutgoingMessage>) -> Result<(), PortError> {
        // librdkafka fails every report after `message.timeout.ms`; the margin only covers a
        // producer that stopped reporting at all.
        let deadline = self.config.publish_timeout() + self.config.request_timeout;
        let result = match tokio::time::timeout(deadline, self.publish_all(&messages)).await {
            Ok(result) => result,
            Err(_) => Err(PortError::timeout(BACKEND, deadline)),
        };
        if result.is_err() {
            self.renew_if_fatal();
        }
        result
    }

    fn max_message_bytes(&self) -> usize {
        self.config.max_message_bytes
    }

    async fn subscribe(
        &self,
        group: &str,
        topics: &[Topic],
    ) -> Result<Box<dyn Consumer>, PortError> {
        Ok(Box::new(KafkaConsumer::subscribe(
            &self.config,
            group,
            topics,
        )?))
    }

    async fn ping(&self) -> Result<(), PortError> {
        let metadata = self.metadata.clone();
        let timeout = self.config.request_timeout;
        tokio::task::spawn_blocking(move || metadata.client().fetch_metadata(None, timeout))
            .await
            .map_err(|e| PortError::unavailable(BACKEND, e))?
            .map(|_| ())
            .map_err(port_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_producer_setting_librdkafka_refuses_fails_the_connect_before_any_broker() {
        // Nothing listens on port 1: only a check made before any connection can answer.
        let mut config = KafkaConfig::new("127.0.0.1:1");
        config.connect_attempts = 1;
        config.max_message_bytes = 10;
        let error = KafkaEventBus::connect(config).await.unwrap_err();
        assert!(
            matches!(
                error,
                ConnectError::Config {
                    var: "KAFKA_BOOTSTRAP_SERVERS",
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains("message.max.bytes"), "{error}");
    }
}
