//! `DeadLetterLedger` as a client of the operators' ledger on the simulated PostgreSQL.

use std::sync::Arc;

use async_trait::async_trait;
use saga_core::ports::{DeadLetterAction, DeadLetterLedger, PortError};

use super::conn::Endpoint;
use super::pool::Pool;
use super::unexpected;
use crate::wire::postgres::{PgRequest, PgResponse};

/// The ledger on the simulated PostgreSQL.
#[derive(Clone)]
pub struct SimDeadLetterLedger {
    pool: Arc<Pool>,
}

impl SimDeadLetterLedger {
    pub fn new(ep: Endpoint) -> Self {
        Self {
            pool: Arc::new(Pool::new(ep)),
        }
    }
}

#[async_trait]
impl DeadLetterLedger for SimDeadLetterLedger {
    async fn record(&self, action: &DeadLetterAction) -> Result<bool, PortError> {
        match self
            .pool
            .call(&PgRequest::RecordAction(action.into()))
            .await?
        {
            PgResponse::Recorded(recorded) => Ok(recorded),
            PgResponse::Error(reason) => Err(PortError::rejected("postgres", reason)),
            other => Err(unexpected("postgres", other)),
        }
    }

    async fn actions(&self) -> Result<Vec<DeadLetterAction>, PortError> {
        match self.pool.call(&PgRequest::ListActions).await? {
            PgResponse::Actions(list) => Ok(list.into_iter().map(Into::into).collect()),
            other => Err(unexpected("postgres", other)),
        }
    }
}
