//! docker-compose.tls.yml for real: PostgreSQL, Redis and Kafka accepting only TLS (Kafka
//! SASL_SSL), each component logged in as itself. 50 orders through the gateway, the checker
//! clean (reading as the owner and the admins, over TLS and verifying the local CA), every
//! component's database session encrypted under its own role, the delivery worker's Kafka
//! user allowed what it produces and denied the rest (the ACLs topic-init granted), and a
//! plaintext client of each backend refused with the variable it should set.

use saga_client::SagaClient;
use saga_core::Topic;
use saga_core::ports::{EventBus, OutgoingMessage};

use crate::project::Project;
use crate::{SERIAL, assert_clean, check};

/// The roles whose sessions must be there, each encrypted: every component that uses the
/// database while the stack runs.
const COMPONENT_ROLES: [&str; 6] = [
    "saga_order_api",
    "saga_outbox_relay",
    "saga_payment_worker",
    "saga_order_status_worker",
    "saga_delivery_worker",
    "saga_auditor",
];

/// Each network session's role and whether it is encrypted, read inside the container.
fn sessions(project: &Project) -> Vec<(String, bool)> {
    let text = project.compose_ok(&[
        "exec",
        "-T",
        "postgres",
        "psql",
        "-U",
        "saga",
        "-d",
        "saga",
        "-AtF",
        " ",
        "-c",
        "SELECT usename, ssl FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) \
         WHERE client_addr IS NOT NULL",
    ]);
    text.lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(role, ssl)| (role.to_owned(), ssl == "t"))
        .collect()
}

/// A Kafka client on the host logged in as `component`'s own SCRAM user.
async fn kafka_as(project: &Project, component: &str) -> saga_kafka::KafkaEventBus {
    let password_file = project.secret_path(&format!("kafka-{component}"));
    let mut config =
        saga_kafka::KafkaConfig::new(format!("127.0.0.1:{}", project.port("SAGA_KAFKA_PORT")));
    config.connect_attempts = 1;
    config.security = saga_kafka::Security {
        protocol: saga_kafka::Protocol::SaslSsl,
        ca_file: Some(project.secret_path("tls/ca.crt").display().to_string()),
        sasl: Some(saga_kafka::Sasl {
            mechanism: "SCRAM-SHA-512".into(),
            username: format!("saga-{component}"),
            password: saga_core::secret::read_secret_file(&password_file.display().to_string())
                .expect("the component's Kafka password"),
        }),
    };
    saga_kafka::KafkaEventBus::connect(config)
        .await
        .expect("the component's user logs in")
}

fn message(topic: Topic) -> OutgoingMessage {
    OutgoingMessage {
        topic,
        key: "compose-tls".into(),
        payload: b"{}".to_vec(),
        correlation_id: None,
        replay: None,
        trace: None,
    }
}

/// The error a plaintext client of each backend gets from the host.
async fn plaintext_refusals(project: &Project) -> [String; 3] {
    let port = |variable| project.port(variable);
    let mut pg = saga_postgres::PgConfig::new(format!(
        "postgres://saga:saga@127.0.0.1:{}/saga?sslmode=disable",
        port("SAGA_PG_PORT")
    ));
    pg.connect_attempts = 1;
    let pg = pg.connect().await.map(|_| ()).unwrap_err().to_string();
    let mut redis =
        saga_redis::RedisConfig::new(format!("redis://127.0.0.1:{}/0", port("SAGA_REDIS_PORT")));
    redis.connect_attempts = 1;
    let redis = redis.connect().await.map(|_| ()).unwrap_err().to_string();
    let mut kafka = saga_kafka::KafkaConfig::new(format!("127.0.0.1:{}", port("SAGA_KAFKA_PORT")));
    kafka.connect_attempts = 1;
    let kafka = saga_kafka::KafkaEventBus::connect(kafka)
        .await
        .map(|_| ())
        .unwrap_err()
        .to_string();
    [pg, redis, kafka]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_backend_tls_only_serves_orders_and_refuses_plaintext() {
    let _serial = SERIAL.lock().await;
    if !crate::project::available() {
        return;
    }
    let project = Project::tls("tls");
    project.up(&[]);
    let client = SagaClient::new(&project.gateway_url())
        .with_api_key(saga_harness::DEV_API_KEY)
        .expect("the development key is a valid header");
    let acknowledged = client
        .place_all_accepted("tls meal", 50, 8)
        .await
        .expect("every order accepted");
    assert_clean(&check(&project, &acknowledged).await, 50);

    let sessions = sessions(&project);
    let plaintext: Vec<_> = sessions.iter().filter(|(_, ssl)| !ssl).collect();
    assert!(plaintext.is_empty(), "unencrypted sessions: {plaintext:?}");
    for role in COMPONENT_ROLES {
        assert!(
            sessions.iter().any(|(r, _)| r == role),
            "no session of {role}: {sessions:?}"
        );
    }

    // Produced into a dead-letter topic nobody reads here: the checker has already judged.
    let delivery = kafka_as(&project, "delivery-worker").await;
    delivery
        .publish(vec![message(Topic::OrdersDlq)])
        .await
        .expect("the delivery worker writes orders-dlq");
    let denied = delivery
        .publish(vec![message(Topic::Orders)])
        .await
        .unwrap_err()
        .to_string();
    assert!(denied.to_lowercase().contains("authoriz"), "{denied}");

    let [pg, redis, kafka] = plaintext_refusals(&project).await;
    assert!(
        pg.contains("DATABASE_URL") && pg.contains("sslmode"),
        "{pg}"
    );
    assert!(
        redis.starts_with("REDIS_URL") && redis.contains("rediss://"),
        "{redis}"
    );
    assert!(kafka.starts_with("KAFKA_SECURITY_PROTOCOL"), "{kafka}");

    let left = project.down();
    assert!(left.is_empty(), "docker compose down -v left {left:?}");
}
