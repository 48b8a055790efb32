//! Kafka over SASL_SSL, on a broker that accepts nothing else (`SAGA_TLS=1 scripts/stack up
//! kafka` on a private stack, as `.ci/run` starts one): its direct address given as
//! `SAGA_TLS_KAFKA_BOOTSTRAP_SERVERS` and its home as `SAGA_TLS_STACK_HOME` (the CA in
//! `tls/ca.crt`, each user's password in `secrets/kafka-NAME`). A component logs in as its
//! own SCRAM user and may write only what it produces; a plaintext client is refused at
//! start-up with an error naming `KAFKA_SECURITY_PROTOCOL`; a component that only reads
//! (the auditor, whose user may write nothing) never asks for a producer id, so librdkafka
//! reports no fatal error for it. Without the variables the tests
//! skip loudly, and fail under `CI=true`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use saga_core::Topic;
use saga_core::ports::{EventBus, OutgoingMessage};
use saga_kafka::{KafkaConfig, KafkaEventBus, Protocol, Sasl, Security};

struct TlsStack {
    servers: String,
    home: String,
}

fn tls_stack() -> Option<TlsStack> {
    let var = |name: &str| std::env::var(name).ok();
    match (
        var("SAGA_TLS_KAFKA_BOOTSTRAP_SERVERS"),
        var("SAGA_TLS_STACK_HOME"),
    ) {
        (Some(servers), Some(home)) => Some(TlsStack { servers, home }),
        _ => saga_contract::backend::unavailable(
            "Kafka accepting only SASL_SSL",
            "SAGA_TLS_KAFKA_BOOTSTRAP_SERVERS",
            &"SAGA_TLS_KAFKA_BOOTSTRAP_SERVERS or SAGA_TLS_STACK_HOME not set (SAGA_TLS=1 \
              scripts/stack up kafka on a private stack prints the first as \
              DIRECT_KAFKA_BOOTSTRAP_SERVERS)",
        ),
    }
}

impl TlsStack {
    /// A client that logs in as `name`'s user (`admin`, or a component).
    fn config_as(&self, name: &str) -> KafkaConfig {
        let password_file = format!("{}/secrets/kafka-{name}", self.home);
        let mut config = plain_config(&self.servers);
        config.security = Security {
            protocol: Protocol::SaslSsl,
            ca_file: Some(format!("{}/tls/ca.crt", self.home)),
            sasl: Some(Sasl {
                mechanism: "SCRAM-SHA-512".into(),
                username: format!("saga-{name}"),
                password: saga_core::secret::read_secret_file(&password_file).unwrap(),
            }),
        };
        config
    }
}

fn plain_config(servers: &str) -> KafkaConfig {
    let mut config = KafkaConfig::new(servers);
    config.connect_attempts = 1;
    config.request_timeout = Duration::from_secs(5);
    config
}

fn message(topic: Topic) -> OutgoingMessage {
    OutgoingMessage {
        topic,
        key: "tls-test".into(),
        payload: b"{}".to_vec(),
        correlation_id: None,
        replay: None,
        trace: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_writes_what_it_produces_and_is_denied_the_rest() {
    let Some(stack) = tls_stack() else {
        return;
    };
    let bus = KafkaEventBus::connect(stack.config_as("delivery-worker"))
        .await
        .unwrap();
    bus.publish(vec![message(Topic::OrdersDlq)]).await.unwrap();
    let denied = bus
        .publish(vec![message(Topic::Orders)])
        .await
        .unwrap_err()
        .to_string();
    assert!(denied.to_lowercase().contains("authoriz"), "{denied}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plaintext_client_is_refused_naming_what_to_set() {
    let Some(stack) = tls_stack() else {
        return;
    };
    let error = match KafkaEventBus::connect(plain_config(&stack.servers)).await {
        Ok(_) => panic!("a plaintext client reached a SASL_SSL-only broker"),
        Err(error) => error.to_string(),
    };
    assert!(
        error.starts_with("KAFKA_SECURITY_PROTOCOL") && error.contains("SASL_SSL"),
        "{error}"
    );
}

/// librdkafka's error-level reports that a client failed for good, as this process saw them.
static FATAL: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct FatalLog;

impl log::Log for FatalLog {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() == log::Level::Error
    }

    fn log(&self, record: &log::Record) {
        let text = record.args().to_string();
        if self.enabled(record.metadata())
            && (text.contains("FATAL") || text.contains("Cluster authorization failed"))
        {
            FATAL.lock().unwrap().push(text);
        }
    }

    fn flush(&self) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_whose_user_may_write_nothing_raises_no_fatal_error() {
    let Some(stack) = tls_stack() else {
        return;
    };
    // Another test of this binary may have set it first; either way it is this logger.
    let _ = log::set_logger(&FatalLog).map(|()| log::set_max_level(log::LevelFilter::Error));
    let bus = KafkaEventBus::connect(stack.config_as("auditor"))
        .await
        .unwrap();
    bus.ping().await.unwrap();
    // An idempotent producer asks for its id as soon as it reaches a broker, and the refusal
    // comes back within a round trip: a second of metadata round trips covers it many times.
    let watched = Instant::now();
    while watched.elapsed() < Duration::from_secs(1) {
        bus.ping().await.unwrap();
        let fatal = FATAL.lock().unwrap().clone();
        assert!(fatal.is_empty(), "librdkafka failed for good: {fatal:?}");
    }
}
