//! Least privilege where the suite runs: on a stack with per-component logins (a TLS stack:
//! `SAGA_STACK_LOGINS`), each component's login, exactly as the harness hands it to that
//! component, does its own work on this run's topics, keys and database, and is refused what
//! its component has no business with. A plain stack has no logins to test: skipped there.

use std::collections::BTreeMap;
use std::time::Duration;

use saga_components::registry::{DELIVERY_WORKER, EXPLORER, ORDER_STATUS_WORKER};
use saga_core::Topic;
use saga_core::ports::{EventBus, OutgoingMessage};
use saga_kafka::{KafkaConfig, KafkaEventBus, Security};
use saga_postgres::PgConfig;
use saga_redis::RedisConfig;

use crate::deployment::Deployment;
use crate::{SERIAL, backends};

/// PostgreSQL's SQLSTATE for "permission denied".
const INSUFFICIENT_PRIVILEGE: &str = "42501";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_components_own_login_is_refused_what_it_has_no_business_with() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    if backends.logins.is_none() {
        eprintln!("no per-component logins (SAGA_STACK_LOGINS, a TLS stack's): nothing to test");
        return;
    }
    let saga = Deployment::new(backends, "least-privilege").await;
    kafka_delivery_worker_writes_its_dead_letters_not_payments(&saga).await;
    postgres_delivery_worker_reads_its_assignments_and_cannot_touch_an_order(&saga).await;
    redis_explorer_reads_decisions_and_cannot_write_one(&saga).await;
    assert!(
        !saga
            .login_env(ORDER_STATUS_WORKER)
            .contains_key("REDIS_URL"),
        "a component without Redis gets no Redis login, not the admin's"
    );
}

async fn kafka_delivery_worker_writes_its_dead_letters_not_payments(saga: &Deployment) {
    let env = saga.login_env(DELIVERY_WORKER);
    // Only the user name in the message: the environment holds passwords.
    let user = env.get("KAFKA_SASL_USERNAME").cloned().unwrap_or_default();
    assert!(user.contains("delivery-worker"), "logged in as {user:?}");
    let mut config = KafkaConfig::new(&env["KAFKA_BOOTSTRAP_SERVERS"]);
    config.prefix = saga.prefix.clone();
    config.connect_attempts = 1;
    config.request_timeout = Duration::from_secs(5);
    config.security = Security::from_lookup(|name| env.get(name).cloned())
        .unwrap_or_else(|(var, reason)| panic!("{var}: {reason}"));
    let bus = KafkaEventBus::connect(config)
        .await
        .expect("the delivery worker's user ensures this run's topics");
    bus.publish(vec![message(Topic::OrdersDlq)])
        .await
        .expect("the delivery worker writes its dead letters");
    let denied = bus
        .publish(vec![message(Topic::Payments)])
        .await
        .expect_err("the delivery worker wrote a payment")
        .to_string();
    assert!(denied.to_lowercase().contains("authoriz"), "{denied}");
}

async fn postgres_delivery_worker_reads_its_assignments_and_cannot_touch_an_order(
    saga: &Deployment,
) {
    let env = saga.login_env(DELIVERY_WORKER);
    let pool = PgConfig::new(&env["DATABASE_URL"])
        .connect()
        .await
        .expect("the delivery worker's role logs in to this run's database");
    let login: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(login, "saga_delivery_worker");
    let _: i64 = sqlx::query_scalar("SELECT count(*) FROM delivery.assignments")
        .fetch_one(&pool)
        .await
        .expect("the delivery worker reads its assignments");
    let refused = sqlx::query("UPDATE orders SET status = status")
        .execute(&pool)
        .await
        .expect_err("the delivery worker updated an order");
    let code = refused
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned());
    assert_eq!(code.as_deref(), Some(INSUFFICIENT_PRIVILEGE), "{refused}");
    pool.close().await;
}

async fn redis_explorer_reads_decisions_and_cannot_write_one(saga: &Deployment) {
    let env: BTreeMap<String, String> = saga.login_env(EXPLORER);
    let mut config = RedisConfig::new(&env["REDIS_URL"]);
    config.ca_file = env.get("REDIS_CA_FILE").cloned();
    config.connect_attempts = 1;
    let mut redis = config.connect().await.expect("the explorer's Redis user");
    let key = format!("{}probe", saga_harness::decision_prefix(&saga.prefix));
    let _: Option<String> = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut redis)
        .await
        .expect("the explorer reads decisions");
    let refused = redis::cmd("SET")
        .arg(&key)
        .arg("forged")
        .query_async::<()>(&mut redis)
        .await
        .expect_err("the explorer wrote a decision");
    assert!(refused.to_string().contains("NOPERM"), "{refused}");
}

fn message(topic: Topic) -> OutgoingMessage {
    OutgoingMessage {
        topic,
        key: "least-privilege".into(),
        payload: b"{}".to_vec(),
        correlation_id: None,
        replay: None,
        trace: None,
    }
}
