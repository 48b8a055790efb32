//! Pages of orders, newest first, by keyset on the id: the filters map to indexed predicates
//! (`orders_status_idx`, `orders_owner_idx`, `orders_pending_idx`).

use saga_core::ports::PortError;
use saga_core::{Order, OrderId, OrderStatus};
use sqlx::{Postgres, QueryBuilder};
use time::OffsetDateTime;

use super::PgReads;
use crate::guard::within;
use crate::rows::{ORDER_COLUMNS, OrderRow};

/// Which orders, from where, how many.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    pub status: Option<OrderStatus>,
    /// Case-insensitive substring of the item.
    pub item: Option<String>,
    pub created_after: Option<OffsetDateTime>,
    /// Only PENDING orders created before this instant (stuck ones).
    pub pending_since_before: Option<OffsetDateTime>,
    pub owner: Option<String>,
    /// Orders older than this one (the next page).
    pub before: Option<OrderId>,
    pub limit: u32,
}

impl OrderQuery {
    fn filter<'a>(&'a self, sql: &mut QueryBuilder<'a, Postgres>) {
        sql.push(" WHERE TRUE");
        if let Some(status) = self.status {
            sql.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(item) = &self.item {
            let pattern = format!("%{}%", escape_like(item));
            sql.push(" AND item ILIKE ").push_bind(pattern);
        }
        if let Some(after) = self.created_after {
            sql.push(" AND created_at >= ").push_bind(after);
        }
        if let Some(before) = self.pending_since_before {
            sql.push(" AND status = 'PENDING' AND created_at < ")
                .push_bind(before);
        }
        if let Some(owner) = &self.owner {
            sql.push(" AND owner = ").push_bind(owner.as_str());
        }
    }
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl PgReads {
    /// At most `query.limit` orders matching `query`, newest first.
    ///
    /// # Errors
    /// [`PortError`] when PostgreSQL is unreachable, slower than the deadline, or holds a row
    /// the schema should forbid.
    pub async fn orders(&self, query: &OrderQuery) -> Result<Vec<Order>, PortError> {
        let mut sql = QueryBuilder::new(format!("SELECT {ORDER_COLUMNS} FROM orders"));
        query.filter(&mut sql);
        if let Some(before) = query.before {
            sql.push(" AND id < ").push_bind(before.get());
        }
        sql.push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(query.limit));
        let rows: Vec<OrderRow> = within!(&self.db, |conn| sql.build_query_as().fetch_all(conn))?;
        rows.into_iter().map(Order::try_from).collect()
    }

    /// How many orders match `query` (its `before` and `limit` ignored).
    ///
    /// # Errors
    /// As [`Self::orders`].
    pub async fn count(&self, query: &OrderQuery) -> Result<u64, PortError> {
        let mut sql = QueryBuilder::new("SELECT count(*) FROM orders");
        query.filter(&mut sql);
        let count: i64 = within!(&self.db, |conn| sql.build_query_scalar().fetch_one(conn))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Orders per status, of `owner` or of everyone.
    ///
    /// # Errors
    /// As [`Self::orders`].
    pub async fn status_counts(
        &self,
        owner: Option<&str>,
    ) -> Result<Vec<(OrderStatus, u64)>, PortError> {
        let rows: Vec<(String, i64)> = within!(&self.db, |conn| sqlx::query_as(
            "SELECT status, count(*) FROM orders WHERE ($1::text IS NULL OR owner = $1) \
             GROUP BY status"
        )
        .bind(owner)
        .fetch_all(conn))?;
        rows.into_iter()
            .map(|(status, n)| {
                let status = status
                    .parse()
                    .map_err(|e| crate::error::corrupt("status", e))?;
                Ok((status, u64::try_from(n).unwrap_or(0)))
            })
            .collect()
    }
}
