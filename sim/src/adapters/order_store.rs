//! `OrderStore` as a client of the simulated PostgreSQL host. An outbox claim keeps its own
//! connection (its transaction) until `mark_published`; dropping the claim hands the connection
//! back to the pool, and the server rolls the claim back before that connection's next request.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use saga_core::Order;
use saga_core::OrderId;
use saga_core::mutant::Mutant;
use saga_core::ports::{
    ApplyOutcome, CreateOutcome, NewOrder, OrderStore, OutboxBacklog, OutboxClaim, OutboxRecord,
    PaymentApplication, PortError, PruneCutoffs, Pruned, Redrive, StatusChange,
};
use time::OffsetDateTime;

use super::conn::{Conn, Endpoint};
use super::pool::Pool;
use super::unexpected;
use crate::wire::postgres::{NewOrderWire, PgRequest, PgResponse};

/// Orders, outbox and processed events on the simulated PostgreSQL.
#[derive(Clone)]
pub struct SimOrderStore {
    pool: Arc<Pool>,
    /// The run's mutant: `outbox-outside-transaction` makes this adapter write an order and
    /// its outbox row in two transactions.
    mutant: Option<Mutant>,
}

impl SimOrderStore {
    pub fn new(ep: Endpoint, mutant: Option<Mutant>) -> Self {
        Self {
            pool: Arc::new(Pool::new(ep)),
            mutant,
        }
    }

    async fn call(&self, request: &PgRequest) -> Result<PgResponse, PortError> {
        match self.pool.call(request).await? {
            PgResponse::Error(reason) => Err(PortError::rejected("postgres", reason)),
            response => Ok(response),
        }
    }
}

fn created(response: PgResponse) -> Result<CreateOutcome, PortError> {
    match response {
        PgResponse::Created(order) => Ok(CreateOutcome::Created(order)),
        PgResponse::Existing(order) => Ok(CreateOutcome::Existing(order)),
        other => Err(unexpected("postgres", other)),
    }
}

#[async_trait]
impl OrderStore for SimOrderStore {
    async fn create_order(&self, new: NewOrder) -> Result<CreateOutcome, PortError> {
        let wire = NewOrderWire::from(&new);
        if self.mutant != Some(Mutant::OutboxOutsideTransaction) {
            return created(self.call(&PgRequest::CreateOrder(wire)).await?);
        }
        // The mutant: two transactions, two round trips. A crash or timeout between them
        // leaves an order without its event.
        let outcome = created(self.call(&PgRequest::InsertOrder(wire.clone())).await?)?;
        if let CreateOutcome::Created(order) = &outcome {
            let second = PgRequest::InsertOrderCreated(wire, order.clone());
            match self.call(&second).await? {
                PgResponse::Done => {}
                other => return Err(unexpected("postgres", other)),
            }
        }
        Ok(outcome)
    }

    async fn get_order(&self, id: OrderId) -> Result<Option<Order>, PortError> {
        match self.call(&PgRequest::GetOrder(id)).await? {
            PgResponse::Order(order) => Ok(order),
            other => Err(unexpected("postgres", other)),
        }
    }

    async fn claim_outbox(&self, limit: usize) -> Result<Box<dyn OutboxClaim>, PortError> {
        let mut conn = self.pool.checkout().await?;
        let response = conn
            .call(&self.pool.ep, &PgRequest::ClaimOutbox { limit })
            .await?;
        let PgResponse::Claimed(rows) = response else {
            return Err(unexpected("postgres", response));
        };
        Ok(Box::new(SimClaim {
            pool: self.pool.clone(),
            conn: Some(conn),
            records: rows.into_iter().map(OutboxRecord::from).collect(),
        }))
    }

    async fn wait_for_outbox(&self, max_wait: Duration) {
        let request = PgRequest::WaitForOutbox {
            max_wait_ms: max_wait.as_millis() as u64,
        };
        let deadline = max_wait + self.pool.ep.timeout;
        if self
            .pool
            .call_within::<_, PgResponse>(&request, deadline)
            .await
            .is_err()
        {
            // Unreachable: the caller's claim will fail and back off; a spurious return is
            // allowed, but do not spin.
            tokio::time::sleep(Duration::from_millis(50).min(max_wait)).await;
        }
    }

    async fn apply_payment(&self, apply: PaymentApplication) -> Result<ApplyOutcome, PortError> {
        match self.call(&PgRequest::ApplyPayment((&apply).into())).await? {
            PgResponse::Applied(outcome) => Ok(outcome.into()),
            other => Err(unexpected("postgres", other)),
        }
    }

    async fn status_history(&self, id: OrderId) -> Result<Vec<StatusChange>, PortError> {
        match self.call(&PgRequest::StatusHistory(id)).await? {
            PgResponse::History(changes) => Ok(changes.into_iter().map(Into::into).collect()),
            other => Err(unexpected("postgres", other)),
        }
    }

    async fn redrive_stuck(
        &self,
        cutoff: OffsetDateTime,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Redrive, PortError> {
        let request = PgRequest::Redrive { cutoff, now, limit };
        match self.call(&request).await? {
            PgResponse::Redriven { stuck, redriven } => Ok(Redrive { stuck, redriven }),
            other => Err(unexpected("postgres", other)),
        }
    }

    async fn prune(&self, cutoffs: PruneCutoffs) -> Result<Pruned, PortError> {
        let request = PgRequest::Prune {
            outbox: cutoffs.outbox,
            processed_events: cutoffs.processed_events,
            idempotency_keys: cutoffs.idempotency_keys,
            batch: cutoffs.batch,
        };
        match self.call(&request).await? {
            PgResponse::Pruned {
                outbox,
                processed_events,
                idempotency_keys,
            } => Ok(Pruned {
                outbox,
                processed_events,
                idempotency_keys,
            }),
            other => Err(unexpected("postgres", other)),
        }
    }

    async fn database_time(&self) -> Result<OffsetDateTime, PortError> {
        match self.call(&PgRequest::Now).await? {
            PgResponse::Time(at) => Ok(at),
            other => Err(unexpected("postgres", other)),
        }
    }

    async fn outbox_backlog(&self) -> Result<OutboxBacklog, PortError> {
        match self.call(&PgRequest::OutboxBacklog).await? {
            PgResponse::Backlog {
                unpublished,
                oldest_ns,
            } => Ok(OutboxBacklog {
                unpublished,
                oldest_created_at: oldest_ns
                    .and_then(|ns| OffsetDateTime::from_unix_timestamp_nanos(ns).ok()),
            }),
            other => Err(unexpected("postgres", other)),
        }
    }

    async fn ping(&self) -> Result<(), PortError> {
        match self.call(&PgRequest::Ping).await? {
            PgResponse::Done => Ok(()),
            other => Err(unexpected("postgres", other)),
        }
    }
}

/// Claimed outbox rows and the connection whose session holds them.
struct SimClaim {
    pool: Arc<Pool>,
    conn: Option<Conn>,
    records: Vec<OutboxRecord>,
}

#[async_trait]
impl OutboxClaim for SimClaim {
    fn records(&self) -> &[OutboxRecord] {
        &self.records
    }

    async fn mark_published(mut self: Box<Self>, ids: &[i64]) -> Result<(), PortError> {
        let mut conn = self.conn.take().expect("a live claim has its connection");
        let request = PgRequest::MarkPublished { ids: ids.to_vec() };
        match conn.call(&self.pool.ep, &request).await? {
            PgResponse::Done => {
                self.pool.checkin(conn);
                Ok(())
            }
            PgResponse::Error(reason) => Err(PortError::rejected("postgres", reason)),
            other => Err(unexpected("postgres", other)),
        }
    }
}

impl Drop for SimClaim {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.checkin(conn);
        }
    }
}
