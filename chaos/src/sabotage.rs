//! Bad data from outside the saga, written straight into the deployment's backends: poison
//! records on its topics (small JSON that is no event, or 900 KB of non-JSON: under the
//! broker's 1 MB limit, yet too large for a rejection carrying it), forged payment events, and
//! one order's data made unprocessable for good — a hash where Redis should hold its decision
//! (the payment worker's `GET` fails with WRONGTYPE on every attempt), or a trigger that makes
//! PostgreSQL refuse its status change (a check violation). Targets come from the state as it
//! is when the step plays; what was forged and which orders were sabotaged go to the checker.

pub use saga_checker::Forgery;
use saga_core::ports::{Entropy, EventBus, OsEntropy, OutgoingMessage};
use saga_core::snapshot::OrderStoreSnapshot;
use saga_core::{Envelope, EventBody, EventId, OrderId, OrderStatus, PaymentDecision, Topic};
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

/// Writes bad data into one deployment.
pub struct Saboteur<'a> {
    pub deployment: &'a Deployment,
}

fn kafka_err(e: impl std::fmt::Display) -> ChaosError {
    ChaosError::backend("Kafka", e)
}

fn pg_err(e: impl std::fmt::Display) -> ChaosError {
    ChaosError::backend("PostgreSQL", e)
}

impl Saboteur<'_> {
    async fn publish(&self, message: OutgoingMessage) -> Result<(), ChaosError> {
        let mut config = self.deployment.state().kafka();
        config.connect_attempts = 1;
        let bus = KafkaEventBus::connect(config).await.map_err(kafka_err)?;
        bus.publish(vec![message]).await.map_err(kafka_err)
    }

    async fn store(&self) -> Result<OrderStoreSnapshot, ChaosError> {
        let mut pg = PgConfig::new(&self.deployment.database_direct);
        pg.connect_attempts = 1;
        let pool = pg.connect().await.map_err(pg_err)?;
        let read = saga_postgres::read_snapshot(&pool).await;
        pool.close().await;
        Ok(read.map_err(pg_err)?.store)
    }

    /// `bytes` of garbage on `topic`: JSON that is no envelope when small, else not JSON.
    pub async fn poison(&self, topic: Topic, bytes: usize) -> Result<Sabotaged, ChaosError> {
        let payload = if bytes < 64 {
            br#"{"event_type":"ORDER_CREATED","schema_version":99}"#.to_vec()
        } else {
            let mut garbage = vec![b'x'; bytes];
            garbage[0] = 0xff;
            garbage
        };
        let message = OutgoingMessage {
            topic,
            key: "1".into(),
            payload,
            correlation_id: None,
            replay: None,
            trace: None,
        };
        self.publish(message).await?;
        Ok(Sabotaged::Poisoned)
    }

    /// Writes a forged payment event to `payments`.
    pub async fn forge(&self, forgery: Forgery) -> Result<Sabotaged, ChaosError> {
        let store = self.store().await?;
        let source = |order: OrderId| {
            store
                .outbox
                .iter()
                .find(|r| r.order_id == Some(order))
                .map(|r| r.event_id)
        };
        let newest = |want: &dyn Fn(OrderStatus) -> bool| {
            store
                .orders
                .iter()
                .rev()
                .find(|o| want(o.status) && source(o.id).is_some())
        };
        let outcome = |status: OrderStatus| match status {
            OrderStatus::Completed => PaymentDecision::Success,
            _ => PaymentDecision::Failed,
        };
        let flip = |d: PaymentDecision| match d {
            PaymentDecision::Success => PaymentDecision::Failed,
            PaymentDecision::Failed => PaymentDecision::Success,
        };
        let none = || {
            ChaosError::backend(
                "PostgreSQL",
                format!("no order to forge a {}", forgery.name()),
            )
        };
        let (order, causation, decision) = match forgery {
            Forgery::UnknownOrder => {
                let beyond = store.orders.last().map_or(0, |o| o.id.get()) + 1_000_000;
                let order = OrderId::new(beyond).map_err(|e| pg_err(e.to_string()))?;
                (order, OsEntropy.event_id(), PaymentDecision::Success)
            }
            Forgery::Contradiction | Forgery::DuplicateNewId => {
                let o = newest(&|s: OrderStatus| s.is_terminal()).ok_or_else(none)?;
                let applied = outcome(o.status);
                let decision = if forgery == Forgery::Contradiction {
                    flip(applied)
                } else {
                    applied
                };
                (o.id, source(o.id).ok_or_else(none)?, decision)
            }
            Forgery::WrongCausation => {
                let o = newest(&|s: OrderStatus| s == OrderStatus::Pending).ok_or_else(none)?;
                (o.id, OsEntropy.event_id(), PaymentDecision::Success)
            }
        };
        let envelope = Envelope {
            event_id: OsEntropy.event_id(),
            occurred_at: time::OffsetDateTime::now_utc(),
            correlation_id: OsEntropy.correlation_id(),
            causation_id: Some(causation),
            body: EventBody::Payment {
                order_id: order,
                decision,
            },
            trace: None,
        };
        let message = OutgoingMessage {
            topic: Topic::Payments,
            key: order.key(),
            payload: envelope.to_bytes(),
            correlation_id: Some(envelope.correlation_id.clone()),
            replay: None,
            trace: None,
        };
        self.publish(message).await?;
        Ok(Sabotaged::Forged(envelope.event_id, order))
    }

    /// Puts a hash where Redis should keep the decision of the newest order not decided yet.
    pub async fn corrupt_decision(&self) -> Result<Sabotaged, ChaosError> {
        let store = self.store().await?;
        let mut redis = RedisConfig::new(&self.deployment.endpoints.redis_direct);
        redis.connect_attempts = 1;
        let mut conn = redis
            .connect()
            .await
            .map_err(|e| ChaosError::backend("Redis", e))?;
        let prefix = self.deployment.decision_prefix();
        for order in store
            .orders
            .iter()
            .rev()
            .filter(|o| o.status == OrderStatus::Pending)
        {
            let Some(row) = store.outbox.iter().find(|r| r.order_id == Some(order.id)) else {
                continue;
            };
            let key = format!("{prefix}{}", row.event_id);
            // Creates the hash only where no decision is stored: on a string, WRONGTYPE.
            let planted: redis::RedisResult<i64> = redis::cmd("HSETNX")
                .arg(&key)
                .arg("chaos")
                .arg("not a decision")
                .query_async(&mut conn)
                .await;
            if planted.is_ok() {
                return Ok(Sabotaged::Quarantined(order.id));
            }
        }
        Err(ChaosError::backend(
            "Redis",
            "every order was decided already",
        ))
    }

    /// Makes PostgreSQL refuse any status change of the newest PENDING order.
    pub async fn refuse_payment(&self) -> Result<Sabotaged, ChaosError> {
        let store = self.store().await?;
        let order = store
            .orders
            .iter()
            .rev()
            .find(|o| o.status == OrderStatus::Pending)
            .ok_or_else(|| pg_err("no PENDING order to refuse payments for"))?
            .id;
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
        done.map_err(pg_err)?;
        Ok(Sabotaged::Quarantined(order))
    }
}
