//! The checker's view of PostgreSQL: every order, outbox row, processed event, status change,
//! delivery assignment and dead letter, read in one repeatable-read transaction so they agree with each
//! other.

use saga_core::event::Envelope;
use saga_core::ports::{DeliveryAssignment, PortError, StatusChange};
use saga_core::snapshot::{OrderStoreSnapshot, OutboxRow};
use saga_core::{EventId, Order, OrderId};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{corrupt, port_error};
use crate::rows::{HISTORY_COLUMNS, HistoryRow, ORDER_COLUMNS, OrderRow};

/// What PostgreSQL holds of the saga's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PgSnapshot {
    /// Orders, outbox, processed events and the status history.
    pub store: OrderStoreSnapshot,
    pub deliveries: Vec<DeliveryAssignment>,
    /// The dead-letter table's rejections, oldest first.
    pub dead_letters: Vec<Envelope>,
}

/// The rows a snapshot is made of, as read.
#[derive(Default)]
pub(crate) struct Rows {
    pub orders: Vec<OrderRow>,
    pub outbox: Vec<(Uuid, String, bool, bool)>,
    pub processed: Vec<Uuid>,
    pub created: Vec<(i64, Uuid)>,
    pub history: Vec<HistoryRow>,
    pub deliveries: Vec<(i64, Uuid, OffsetDateTime, Option<String>)>,
    pub letters: Vec<crate::dead_letters::KeptRow>,
}

/// Reads the whole order and delivery state.
///
/// # Errors
/// [`PortError`] when PostgreSQL is unreachable or holds a row the schema should forbid.
pub async fn read_snapshot(pool: &PgPool) -> Result<PgSnapshot, PortError> {
    let mut tx = pool.begin().await.map_err(port_error)?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(port_error)?;
    let rows = Rows {
        orders: sqlx::query_as(&format!("SELECT {ORDER_COLUMNS} FROM orders ORDER BY id"))
            .fetch_all(&mut *tx)
            .await
            .map_err(port_error)?,
        outbox: sqlx::query_as(
            "SELECT o.event_id, o.key, o.published_at IS NOT NULL, r.id IS NOT NULL FROM outbox o \
             LEFT JOIN orders r ON r.created_event_id = o.event_id ORDER BY o.id",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(port_error)?,
        processed: sqlx::query_scalar(
            "SELECT event_id FROM processed_events ORDER BY processed_at, event_id",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(port_error)?,
        created: sqlx::query_as(
            "SELECT id, created_event_id FROM orders WHERE created_event_id IS NOT NULL",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(port_error)?,
        history: sqlx::query_as(&format!(
            "SELECT {HISTORY_COLUMNS} FROM order_status_history ORDER BY id"
        ))
        .fetch_all(&mut *tx)
        .await
        .map_err(port_error)?,
        deliveries: sqlx::query_as(
            "SELECT order_id, payment_event_id, assigned_at, traceparent \
             FROM delivery.assignments ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(port_error)?,
        letters: sqlx::query_as("SELECT envelope, traceparent FROM dead_letters ORDER BY position")
            .fetch_all(&mut *tx)
            .await
            .map_err(port_error)?,
    };
    tx.commit().await.map_err(port_error)?;
    rows.into_snapshot()
}

impl Rows {
    pub(crate) fn into_snapshot(self) -> Result<PgSnapshot, PortError> {
        let order_id = |id: i64| OrderId::new(id).map_err(|e| corrupt("order id", e));
        Ok(PgSnapshot {
            store: OrderStoreSnapshot {
                orders: self
                    .orders
                    .into_iter()
                    .map(Order::try_from)
                    .collect::<Result<_, _>>()?,
                outbox: self
                    .outbox
                    .into_iter()
                    .map(|(event_id, key, published, order_created)| OutboxRow {
                        event_id: EventId::from_uuid(event_id),
                        order_id: key.parse().ok(),
                        published,
                        order_created,
                    })
                    .collect(),
                processed_events: self.processed.into_iter().map(EventId::from_uuid).collect(),
                status_changes: self
                    .history
                    .into_iter()
                    .map(StatusChange::try_from)
                    .collect::<Result<_, _>>()?,
                created_events: self
                    .created
                    .into_iter()
                    .map(|(order, event)| Ok((order_id(order)?, EventId::from_uuid(event))))
                    .collect::<Result<_, PortError>>()?,
            },
            deliveries: self
                .deliveries
                .into_iter()
                .map(|(order, event, at, traceparent)| {
                    Ok(DeliveryAssignment {
                        order_id: order_id(order)?,
                        payment_event_id: EventId::from_uuid(event),
                        assigned_at: at,
                        trace: crate::rows::trace(traceparent.as_deref()),
                    })
                })
                .collect::<Result<_, PortError>>()?,
            dead_letters: self
                .letters
                .iter()
                .map(crate::dead_letters::kept_letter)
                .collect::<Result<_, _>>()?,
        })
    }
}
