//! The order store on PostgreSQL: order + outbox row + `pg_notify` in one transaction, the
//! idempotency key enforced per owner by a unique index, and payment outcomes applied together with
//! their processed-events row.

use std::time::Duration;

use async_trait::async_trait;
use saga_core::ports::{
    ApplyOutcome, CreateOutcome, NewOrder, OrderStore, OutboxBacklog, OutboxClaim,
    PaymentApplication, PortError, PruneCutoffs, Pruned, Redrive, StatusChange,
};
use saga_core::{Envelope, IdempotencyKey, Order, OrderId, Owner, Topic};
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::BACKEND;
use crate::error::corrupt;
use crate::guard::{Db, within};
use crate::outbox::{self, CHANNEL, OutboxListener, Releases};
use crate::rows::{ORDER_COLUMNS, OrderRow};

/// `create_order` in one statement: the order (unless its idempotency key is taken), its
/// ORDER_CREATED row with the envelope completed by the new id, and the relay's wake-up,
/// which PostgreSQL delivers at commit.
const CREATE: &str = "\
    WITH new_order AS (INSERT INTO orders \
        (item, status, correlation_id, idempotency_key, owner, created_at, updated_at, \
         created_event_id) \
        VALUES ($1, 'PENDING', $2, $3, $9, now(), now(), $4) \
        ON CONFLICT (owner, idempotency_key) WHERE idempotency_key IS NOT NULL \
        DO NOTHING RETURNING id, created_at), \
    event AS (INSERT INTO outbox \
        (event_id, topic, key, payload, correlation_id, created_at, traceparent) \
        SELECT $4, $5, id::text, $6 || convert_to(id::text, 'UTF8') || $7, $2, now(), $10 \
        FROM new_order RETURNING key) \
    SELECT new_order.id, new_order.created_at, pg_notify($8, event.key)::text FROM new_order, event";

/// Orders, outbox and processed events in PostgreSQL. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct PgOrderStore {
    db: Db,
    listener: OutboxListener,
    releases: Releases,
}

impl PgOrderStore {
    /// A store on a migrated database (see [`crate::migrate`]) with the default deadline.
    pub fn new(pool: PgPool) -> Self {
        Self::with_deadline(pool, crate::DEFAULT_CALL_TIMEOUT)
    }

    /// A store whose every call gives up after `deadline` (`DATABASE_CALL_TIMEOUT_SECONDS`).
    pub fn with_deadline(pool: PgPool, deadline: Duration) -> Self {
        Self {
            db: Db::new(pool, deadline),
            listener: OutboxListener::default(),
            releases: Releases::new(),
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.db.pool
    }

    async fn by_key(
        &self,
        owner: Option<&Owner>,
        key: &IdempotencyKey,
    ) -> Result<Option<Order>, PortError> {
        let query = format!(
            "SELECT {ORDER_COLUMNS} FROM orders \
             WHERE idempotency_key = $1 AND owner IS NOT DISTINCT FROM $2"
        );
        let row: Option<OrderRow> = within!(&self.db, |conn| sqlx::query_as(&query)
            .bind(key.as_str())
            .bind(owner.map(Owner::as_str))
            .fetch_optional(conn))?;
        row.map(Order::try_from).transpose()
    }

    /// The order, its outbox row and the wake-up in one statement (so one round trip and one
    /// transaction); the event's bytes are completed with the id the insert assigns. `None`
    /// when the idempotency key is taken: then nothing was written.
    async fn insert_at_once(&self, new: &NewOrder) -> Result<Option<Order>, PortError> {
        let (prefix, suffix) = Envelope::order_created_around_id(
            new.event_id,
            new.created_at,
            new.correlation_id.clone(),
            new.item.clone(),
            new.trace,
            new.schema,
        );
        let row: Option<(i64, OffsetDateTime, Option<String>)> =
            within!(&self.db, |conn| sqlx::query_as(CREATE)
                .bind(new.item.as_str())
                .bind(new.correlation_id.as_str())
                .bind(new.idempotency_key.as_ref().map(IdempotencyKey::as_str))
                .bind(new.event_id.as_uuid())
                .bind(Topic::Orders.as_str())
                .bind(&prefix)
                .bind(&suffix)
                .bind(CHANNEL)
                .bind(new.owner.as_ref().map(Owner::as_str))
                .bind(new.trace.map(|t| t.to_string()))
                .fetch_optional(conn))?;
        row.map(|(id, created_at, _)| pending(new, id, created_at))
            .transpose()
    }

    async fn create_once(&self, new: &NewOrder) -> Result<Option<CreateOutcome>, PortError> {
        match self.insert_at_once(new).await? {
            Some(order) => Ok(Some(CreateOutcome::Created(order))),
            None => self.existing(new).await,
        }
    }

    /// The order that holds `new`'s idempotency key, after an insert found it taken.
    async fn existing(&self, new: &NewOrder) -> Result<Option<CreateOutcome>, PortError> {
        let key = new
            .idempotency_key
            .as_ref()
            .expect("only a key can conflict");
        // The conflicting insert has committed (ON CONFLICT waited for it), so this
        // statement's snapshot sees it.
        let found = self.by_key(new.owner.as_ref(), key).await?;
        Ok(found.map(CreateOutcome::Existing))
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
        let query = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1");
        let row: Option<OrderRow> = within!(&self.db, |conn| sqlx::query_as(&query)
            .bind(id.get())
            .fetch_optional(conn))?;
        row.map(Order::try_from).transpose()
    }

    async fn claim_outbox(&self, limit: usize) -> Result<Box<dyn OutboxClaim>, PortError> {
        outbox::claim(&self.db, &self.releases, limit).await
    }

    async fn wait_for_outbox(&self, max_wait: Duration) {
        self.listener.wait(&self.db.pool, max_wait).await;
    }

    #[tracing::instrument(skip_all, fields(order_id = %apply.order_id, event_id = %apply.event_id))]
    async fn apply_payment(&self, apply: PaymentApplication) -> Result<ApplyOutcome, PortError> {
        crate::payment::apply(&self.db, &apply).await
    }

    async fn redrive_stuck(
        &self,
        cutoff: OffsetDateTime,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Redrive, PortError> {
        crate::housekeeping::redrive(&self.db, cutoff, now, limit).await
    }

    async fn prune(&self, cutoffs: PruneCutoffs) -> Result<Pruned, PortError> {
        crate::housekeeping::prune(&self.db, cutoffs).await
    }

    async fn database_time(&self) -> Result<OffsetDateTime, PortError> {
        within!(&self.db, |conn| sqlx::query_scalar("SELECT now()")
            .fetch_one(conn))
    }

    async fn status_history(&self, id: OrderId) -> Result<Vec<StatusChange>, PortError> {
        crate::payment::history(&self.db, id).await
    }

    async fn outbox_backlog(&self) -> Result<OutboxBacklog, PortError> {
        let (count, oldest): (i64, Option<OffsetDateTime>) = within!(&self.db, |conn| {
            sqlx::query_as(
                "SELECT count(*), min(created_at) FROM outbox WHERE published_at IS NULL",
            )
            .fetch_one(conn)
        })?;
        Ok(OutboxBacklog {
            unpublished: u64::try_from(count).unwrap_or(0),
            oldest_created_at: oldest,
        })
    }

    async fn ping(&self) -> Result<(), PortError> {
        crate::config::ping(&self.db).await
    }
}

/// The order `new` became under the id the database assigned, with the time PostgreSQL
/// stamped on it (its own clock: see docs/architecture.md, "Whose clock").
fn pending(new: &NewOrder, id: i64, created_at: OffsetDateTime) -> Result<Order, PortError> {
    let order = new.pending(OrderId::new(id).map_err(|e| corrupt("order id", e))?);
    Ok(Order {
        created_at,
        updated_at: created_at,
        ..order
    })
}
