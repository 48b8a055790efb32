//! Bad data from outside the saga, written straight into the deployment's backends: poison
//! records on its topics, forged payment events, and one order's data made unprocessable for
//! good — a hash where Redis should hold its decision (the payment worker's `GET` fails with
//! WRONGTYPE on every attempt), or a trigger that makes PostgreSQL refuse its status change (a
//! check violation). What each writes and to which order is `saga_faults`', as in the
//! simulation; this module reads the state as it is when the step plays and does the I/O.
//! What was forged and which orders were sabotaged go to the checker.

use saga_core::ports::{DEFAULT_MAX_MESSAGE_BYTES, EventBus, OsEntropy, OutgoingMessage};
use saga_core::snapshot::OrderStoreSnapshot;
use saga_core::{EventId, OrderId, Topic};
use saga_faults::Unprocessable;
pub use saga_faults::{Forgery, PoisonSize};
use saga_kafka::KafkaEventBus;
use saga_postgres::PgConfig;
use saga_redis::RedisConfig;

use crate::deployment::Deployment;
use crate::error::ChaosError;

/// What sabotage did, for the report and the checker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sabotaged {
    Forged(EventId, OrderId),
    Quarantined(OrderId),
    Poisoned,
}

/// Why a sabotage step did not act.
#[derive(Debug, thiserror::Error)]
pub enum SabotageError {
    /// The state holds nothing to act on (as the simulation's "nothing to forge against").
    #[error("no target: {0}")]
    NoTarget(String),
    /// A backend it reads or writes through did not answer.
    #[error("{backend} unreachable: {reason}")]
    Unreachable {
        backend: &'static str,
        reason: String,
    },
    #[error(transparent)]
    Failed(#[from] ChaosError),
}

/// Writes bad data into one deployment.
pub struct Saboteur<'a> {
    pub deployment: &'a Deployment,
}

fn unreachable(backend: &'static str) -> impl Fn(String) -> SabotageError {
    move |reason| SabotageError::Unreachable { backend, reason }
}

fn kafka_err(e: impl std::fmt::Display) -> SabotageError {
    unreachable("Kafka")(e.to_string())
}

fn pg_err(e: impl std::fmt::Display) -> SabotageError {
    unreachable("PostgreSQL")(e.to_string())
}

impl Saboteur<'_> {
    async fn publish(&self, message: OutgoingMessage) -> Result<(), SabotageError> {
        let mut config = self.deployment.state().kafka();
        config.connect_attempts = 1;
        let bus = KafkaEventBus::connect(config).await.map_err(kafka_err)?;
        bus.publish(vec![message]).await.map_err(kafka_err)
    }

    async fn store(&self) -> Result<OrderStoreSnapshot, SabotageError> {
        let mut pg = PgConfig::new(&self.deployment.database_direct);
        pg.connect_attempts = 1;
        let pool = pg.connect().await.map_err(pg_err)?;
        let read = saga_postgres::read_snapshot(&pool).await;
        pool.close().await;
        Ok(read.map_err(pg_err)?.store)
    }

    /// A poison record of `size` on `topic` (`saga_faults` says what it holds).
    pub async fn poison(&self, topic: Topic, size: PoisonSize) -> Result<Sabotaged, SabotageError> {
        let limit = DEFAULT_MAX_MESSAGE_BYTES;
        self.publish(saga_faults::poison_message(topic, size, limit))
            .await?;
        Ok(Sabotaged::Poisoned)
    }

    /// Writes a forged payment event to `payments`, at the order `saga_faults` picks.
    pub async fn forge(&self, forgery: Forgery) -> Result<Sabotaged, SabotageError> {
        let store = self.store().await?;
        let forged = saga_faults::target(&store, forgery, 0, &OsEntropy).ok_or_else(|| {
            SabotageError::NoTarget(format!("no order to forge a {}", forgery.name()))
        })?;
        let now = time::OffsetDateTime::now_utc();
        let (envelope, message) = saga_faults::forged_message(forged, &OsEntropy, now);
        self.publish(message).await?;
        Ok(Sabotaged::Forged(envelope.event_id, forged.order))
    }

    /// Puts a hash where Redis should keep the decision of the newest order not decided yet.
    pub async fn corrupt_decision(&self) -> Result<Sabotaged, SabotageError> {
        let store = self.store().await?;
        let mut redis = RedisConfig::new(&self.deployment.endpoints.redis_direct);
        redis.connect_attempts = 1;
        let mut conn = redis
            .connect()
            .await
            .map_err(|e| unreachable("Redis")(e.to_string()))?;
        let prefix = self.deployment.decision_prefix();
        for (order, source) in saga_faults::candidates(&store, Unprocessable::Decision) {
            let key = format!("{prefix}{source}");
            // Creates the hash only where no decision is stored: on a string, WRONGTYPE.
            let planted: redis::RedisResult<i64> = redis::cmd("HSETNX")
                .arg(&key)
                .arg("chaos")
                .arg("not a decision")
                .query_async(&mut conn)
                .await;
            if planted.is_ok() {
                return Ok(Sabotaged::Quarantined(order));
            }
        }
        Err(SabotageError::NoTarget(
            "every order was decided already".into(),
        ))
    }

    /// Makes PostgreSQL refuse any status change of the newest PENDING order.
    pub async fn refuse_payment(&self) -> Result<Sabotaged, SabotageError> {
        let store = self.store().await?;
        let (order, _) = saga_faults::candidates(&store, Unprocessable::Payment)
            .next()
            .ok_or_else(|| {
                SabotageError::NoTarget("no PENDING order to refuse payments for".into())
            })?;
        let pool = PgConfig::new(&self.deployment.database_direct)
            .connect()
            .await
            .map_err(pg_err)?;
        let function = "CREATE OR REPLACE FUNCTION chaos_refuse() RETURNS trigger \
            LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'order % refuses status changes', \
            OLD.id USING ERRCODE = 'check_violation'; END $$";
        let trigger = format!(
            "CREATE TRIGGER chaos_refuse_{id} BEFORE UPDATE ON orders FOR EACH ROW \
             WHEN (OLD.id = {id}) EXECUTE FUNCTION chaos_refuse()",
            id = order.get()
        );
        let done = async {
            sqlx::query(function).execute(&pool).await?;
            sqlx::query(&trigger).execute(&pool).await
        }
        .await;
        pool.close().await;
        done.map_err(|e| ChaosError::backend("PostgreSQL", e))?;
        Ok(Sabotaged::Quarantined(order))
    }
}
