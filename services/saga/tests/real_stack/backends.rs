//! Where the native stack is: direct addresses for the test's own reads (checker, admin) and
//! proxied ones for the components, from the environment `scripts/stack env` prints, with
//! its defaults. A stack that is not running skips the tests locally and fails them in CI.

use saga_kafka::KafkaConfig;
use saga_postgres::PgConfig;
use saga_redis::RedisConfig;

fn var(names: &[&str], default: &str) -> String {
    names
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .unwrap_or_else(|| default.to_owned())
}

/// The backends' addresses.
#[derive(Debug, Clone)]
pub struct Backends {
    pub database_direct: String,
    pub database_proxied: String,
    pub kafka_direct: String,
    pub kafka_proxied: String,
    pub redis_direct: String,
    pub redis_proxied: String,
}

impl Backends {
    fn from_env() -> Self {
        Self {
            database_direct: var(
                &["DIRECT_DATABASE_URL"],
                "postgres://saga:saga@127.0.0.1:5432/saga",
            ),
            database_proxied: var(
                &["DATABASE_URL"],
                "postgres://saga:saga@127.0.0.1:15432/saga",
            ),
            kafka_direct: var(&["DIRECT_KAFKA_BOOTSTRAP_SERVERS"], "127.0.0.1:9092"),
            kafka_proxied: var(&["KAFKA_BOOTSTRAP_SERVERS"], "127.0.0.1:19092"),
            redis_direct: var(&["DIRECT_REDIS_URL"], "redis://127.0.0.1:6379/0"),
            redis_proxied: var(&["REDIS_URL"], "redis://127.0.0.1:16379/0"),
        }
    }

    /// The backends when all three answer; `None` (skip) or a panic under CI otherwise.
    pub async fn available() -> Option<Self> {
        let backends = Self::from_env();
        let mut pg = PgConfig::new(&backends.database_direct);
        pg.connect_attempts = 1;
        if let Err(e) = pg.connect().await {
            return saga_contract::backend::unavailable("PostgreSQL", &pg.target(), &e);
        }
        let mut redis = RedisConfig::new(&backends.redis_direct);
        redis.connect_attempts = 1;
        if let Err(e) = redis.connect().await {
            return saga_contract::backend::unavailable("Redis", &redis.target(), &e);
        }
        let mut kafka = KafkaConfig::new(&backends.kafka_direct);
        kafka.connect_attempts = 1;
        if let Err(e) = saga_kafka::KafkaEventBus::connect(kafka).await {
            return saga_contract::backend::unavailable("Kafka", &backends.kafka_direct, &e);
        }
        Some(backends)
    }
}
