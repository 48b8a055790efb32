//! Where the native stack is ([`Endpoints`]: direct addresses for the test's own reads, proxied
//! ones for the components, from the environment `scripts/stack env` prints, with its
//! defaults). A stack that is not running skips the tests locally and fails them in CI.

use saga_harness::Endpoints;
use saga_postgres::PgConfig;

pub type Backends = Endpoints;

/// The backends when all three answer; `None` (skip) or a panic under CI otherwise.
pub async fn available() -> Option<Backends> {
    let backends = Endpoints::from_env();
    let mut pg = PgConfig::new(&backends.database_direct);
    pg.connect_attempts = 1;
    if let Err(e) = pg.connect().await {
        return saga_contract::backend::unavailable("PostgreSQL", &pg.target(), &e);
    }
    let mut redis = backends.redis_config();
    redis.connect_attempts = 1;
    if let Err(e) = redis.connect().await {
        return saga_contract::backend::unavailable("Redis", &redis.target(), &e);
    }
    let mut kafka = backends.kafka_config();
    kafka.connect_attempts = 1;
    if let Err(e) = saga_kafka::KafkaEventBus::connect(kafka).await {
        return saga_contract::backend::unavailable("Kafka", &backends.kafka_direct, &e);
    }
    Some(backends)
}
