//! The auditor's feed on PostgreSQL: `orders`, `order_status_history` and
//! `delivery.assignments` read forward by primary key (an index range scan a page at a time),
//! each call under the client-side deadline. An order's trace comes from its ORDER_CREATED
//! outbox row (one unique-index lookup per order), while the relay has not pruned it.

use async_trait::async_trait;
use saga_core::ports::{AuditFeed, CreatedOrder, DeliveryAssignment, PortError, StatusChange};
use saga_core::{EventId, OrderId};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::corrupt;
use crate::guard::{Db, within};
use crate::rows::{HISTORY_COLUMNS, HistoryRow};

/// Reads the order and delivery tables forward.
#[derive(Debug, Clone)]
pub struct PgAuditFeed {
    db: Db,
}

impl PgAuditFeed {
    /// A feed whose every call gives up after `deadline`.
    pub fn with_deadline(pool: PgPool, deadline: std::time::Duration) -> Self {
        Self {
            db: Db::new(pool, deadline),
        }
    }
}

/// An order's id, ORDER_CREATED id, placing time, and its ORDER_CREATED row's `traceparent`.
type CreatedRow = (i64, Option<Uuid>, OffsetDateTime, Option<String>);

fn page(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn order_id(id: i64) -> Result<OrderId, PortError> {
    OrderId::new(id).map_err(|e| corrupt("order id", e))
}

#[async_trait]
impl AuditFeed for PgAuditFeed {
    async fn orders_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, CreatedOrder)>, PortError> {
        let rows: Vec<CreatedRow> = within!(&self.db, |conn| {
            sqlx::query_as(
                "SELECT o.id, o.created_event_id, o.created_at, x.traceparent FROM orders o \
                 LEFT JOIN outbox x ON x.event_id = o.created_event_id \
                 WHERE o.id > $1 ORDER BY o.id LIMIT $2",
            )
            .bind(after)
            .bind(page(limit))
            .fetch_all(conn)
        })?;
        rows.into_iter()
            .map(|(id, event, created_at, traceparent)| {
                let created = CreatedOrder {
                    order_id: order_id(id)?,
                    created_event: event.map(EventId::from_uuid),
                    created_at,
                    trace: crate::rows::trace(traceparent.as_deref()),
                };
                Ok((id, created))
            })
            .collect()
    }

    async fn status_changes_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, StatusChange)>, PortError> {
        let sql = format!(
            "SELECT id, {HISTORY_COLUMNS} FROM order_status_history WHERE id > $1 \
             ORDER BY id LIMIT $2"
        );
        let rows: Vec<(i64, HistoryRow)> = within!(&self.db, |conn| {
            sqlx::query_as::<_, IdAnd<HistoryRow>>(&sql)
                .bind(after)
                .bind(page(limit))
                .fetch_all(conn)
        })?
        .into_iter()
        .map(|row| (row.id, row.row))
        .collect();
        rows.into_iter()
            .map(|(id, row)| Ok((id, StatusChange::try_from(row)?)))
            .collect()
    }

    async fn deliveries_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, DeliveryAssignment)>, PortError> {
        let rows: Vec<(i64, i64, Uuid, OffsetDateTime, Option<String>)> =
            within!(&self.db, |conn| {
                sqlx::query_as(
                    "SELECT id, order_id, payment_event_id, assigned_at, traceparent \
                 FROM delivery.assignments \
                 WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(page(limit))
                .fetch_all(conn)
            })?;
        rows.into_iter()
            .map(|(id, order, event, at, traceparent)| {
                let assignment = DeliveryAssignment {
                    order_id: order_id(order)?,
                    payment_event_id: EventId::from_uuid(event),
                    assigned_at: at,
                    trace: crate::rows::trace(traceparent.as_deref()),
                };
                Ok((id, assignment))
            })
            .collect()
    }
}

/// A row with its id before the columns another type reads.
struct IdAnd<T> {
    id: i64,
    row: T,
}

impl<'r, T> sqlx::FromRow<'r, sqlx::postgres::PgRow> for IdAnd<T>
where
    T: sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(Self {
            id: row.try_get("id")?,
            row: T::from_row(row)?,
        })
    }
}
