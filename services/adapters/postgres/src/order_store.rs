//! The order store on PostgreSQL: order + outbox row + `pg_notify` in one transaction, the
//! idempotency key enforced by a unique index, and payment outcomes applied together with
//! their processed-events row.

use std::time::Duration;

use async_trait::async_trait;
use saga_core::ports::{
    ApplyOutcome, CreateOutcome, NewOrder, OrderStore, OutboxBacklog, OutboxClaim, OutboxWrite,
    PaymentApplication, PortError,
};
use saga_core::{Envelope, IdempotencyKey, Order, OrderId, OrderStatus, Topic};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use crate::BACKEND;
use crate::error::{corrupt, port_error};
use crate::outbox::{self, CHANNEL, OutboxListener, Releases};
use crate::rows::{ORDER_COLUMNS, OrderRow};

/// Orders, outbox and processed events in PostgreSQL. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct PgOrderStore {
    pool: PgPool,
    listener: OutboxListener,
    releases: Releases,
}

impl PgOrderStore {
    /// A store on a migrated database (see [`crate::migrate`]).
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            listener: OutboxListener::default(),
            releases: Releases::new(),
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Inserts the order row unless its idempotency key is taken; `None` when it is.
    async fn insert_order(
        conn: &mut PgConnection,
        new: &NewOrder,
    ) -> Result<Option<Order>, PortError> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO orders (item, status, correlation_id, idempotency_key, created_at, updated_at) \
             VALUES ($1, 'PENDING', $2, $3, $4, $4) \
             ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        )
        .bind(new.item.as_str())
        .bind(new.correlation_id.as_str())
        .bind(new.idempotency_key.as_ref().map(IdempotencyKey::as_str))
        .bind(new.created_at)
        .fetch_optional(&mut *conn)
        .await
        .map_err(port_error)?;
        let Some(id) = id else { return Ok(None) };
        Ok(Some(Order {
            id: OrderId::new(id).map_err(|e| corrupt("order id", e))?,
            item: new.item.clone(),
            status: OrderStatus::Pending,
            correlation_id: new.correlation_id.clone(),
            idempotency_key: new.idempotency_key.clone(),
            created_at: new.created_at,
            updated_at: new.created_at,
        }))
    }

    /// Writes the order's ORDER_CREATED row and the wake-up, which PostgreSQL delivers at
    /// commit.
    async fn insert_event(
        conn: &mut PgConnection,
        new: &NewOrder,
        order: &Order,
    ) -> Result<(), PortError> {
        let envelope = Envelope::order_created(
            new.event_id,
            new.created_at,
            new.correlation_id.clone(),
            order.id,
            order.item.clone(),
        );
        sqlx::query(
            "INSERT INTO outbox (event_id, topic, key, payload, correlation_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new.event_id.as_uuid())
        .bind(Topic::Orders.as_str())
        .bind(order.id.key())
        .bind(envelope.to_bytes())
        .bind(new.correlation_id.as_str())
        .bind(new.created_at)
        .execute(&mut *conn)
        .await
        .map_err(port_error)?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(order.id.key())
            .execute(&mut *conn)
            .await
            .map_err(port_error)?;
        Ok(())
    }

    async fn by_key(&self, key: &IdempotencyKey) -> Result<Option<Order>, PortError> {
        let row: Option<OrderRow> = sqlx::query_as(&format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE idempotency_key = $1"
        ))
        .bind(key.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(port_error)?;
        row.map(Order::try_from).transpose()
    }

    async fn create_once(&self, new: &NewOrder) -> Result<Option<CreateOutcome>, PortError> {
        let mut tx = self.pool.begin().await.map_err(port_error)?;
        let Some(order) = Self::insert_order(&mut tx, new).await? else {
            tx.rollback().await.map_err(port_error)?;
            let key = new
                .idempotency_key
                .as_ref()
                .expect("only a key can conflict");
            // The conflicting insert has committed (ON CONFLICT waited for it), so this
            // statement's snapshot sees it.
            return Ok(self.by_key(key).await?.map(CreateOutcome::Existing));
        };
        if new.outbox == OutboxWrite::SeparateTransaction {
            // The dual-write bug, for the harness's mutant only: the order commits alone.
            tx.commit().await.map_err(port_error)?;
            tokio::task::yield_now().await;
            let mut second = self.pool.begin().await.map_err(port_error)?;
            Self::insert_event(&mut second, new, &order).await?;
            second.commit().await.map_err(port_error)?;
        } else {
            Self::insert_event(&mut tx, new, &order).await?;
            tx.commit().await.map_err(port_error)?;
        }
        Ok(Some(CreateOutcome::Created(order)))
    }
}

#[async_trait]
impl OrderStore for PgOrderStore {
    #[tracing::instrument(skip_all, fields(correlation_id = %new.correlation_id.as_str()))]
    async fn create_order(&self, new: NewOrder) -> Result<CreateOutcome, PortError> {
        // A conflicting row can vanish only if its transaction rolled back after we saw the
        // conflict; then inserting again wins. Bounded, because that race needs a rollback.
        for _ in 0..3 {
            if let Some(outcome) = self.create_once(&new).await? {
                return Ok(outcome);
            }
        }
        Err(PortError::unavailable(
            BACKEND,
            "idempotency key kept conflicting with no row",
        ))
    }

    async fn get_order(&self, id: OrderId) -> Result<Option<Order>, PortError> {
        let row: Option<OrderRow> =
            sqlx::query_as(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1"))
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await
                .map_err(port_error)?;
        row.map(Order::try_from).transpose()
    }

    async fn claim_outbox(&self, limit: usize) -> Result<Box<dyn OutboxClaim>, PortError> {
        outbox::claim(&self.pool, &self.releases, limit).await
    }

    async fn wait_for_outbox(&self, max_wait: Duration) {
        self.listener.wait(&self.pool, max_wait).await;
    }

    #[tracing::instrument(skip_all, fields(order_id = %apply.order_id, event_id = %apply.event_id))]
    async fn apply_payment(&self, apply: PaymentApplication) -> Result<ApplyOutcome, PortError> {
        crate::payment::apply(&self.pool, &apply).await
    }

    async fn outbox_backlog(&self) -> Result<OutboxBacklog, PortError> {
        let (count, oldest): (i64, Option<OffsetDateTime>) = sqlx::query_as(
            "SELECT count(*), min(created_at) FROM outbox WHERE published_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(port_error)?;
        Ok(OutboxBacklog {
            unpublished: u64::try_from(count).unwrap_or(0),
            oldest_created_at: oldest,
        })
    }

    async fn ping(&self) -> Result<(), PortError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(port_error)?;
        Ok(())
    }
}
