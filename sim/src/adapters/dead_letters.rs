//! `DeadLetterStore` as a client of the dead-letter table on the simulated PostgreSQL.

use std::sync::Arc;

use async_trait::async_trait;
use saga_core::Envelope;
use saga_core::event::decode;
use saga_core::ports::{DeadLetterStore, PortError};

use super::conn::Endpoint;
use super::pool::Pool;
use super::unexpected;
use crate::wire::postgres::{PgRequest, PgResponse};

/// Dead letters on the simulated PostgreSQL.
#[derive(Clone)]
pub struct SimDeadLetters {
    pool: Arc<Pool>,
}

impl SimDeadLetters {
    pub fn new(ep: Endpoint) -> Self {
        Self {
            pool: Arc::new(Pool::new(ep)),
        }
    }
}

#[async_trait]
impl DeadLetterStore for SimDeadLetters {
    async fn keep(&self, rejection: &Envelope, _why: &str) -> Result<(), PortError> {
        let request = PgRequest::KeepDeadLetter(rejection.into());
        match self.pool.call(&request).await? {
            PgResponse::Done => Ok(()),
            PgResponse::Error(reason) => Err(PortError::rejected("postgres", reason)),
            other => Err(unexpected("postgres", other)),
        }
    }

    async fn list(&self) -> Result<Vec<Envelope>, PortError> {
        match self.pool.call(&PgRequest::ListDeadLetters).await? {
            PgResponse::DeadLetters(list) => list
                .iter()
                .map(|kept| {
                    let envelope = decode(&kept.envelope);
                    let envelope = envelope.map_err(|e| PortError::rejected("postgres", e))?;
                    Ok(envelope.with_trace(kept.trace))
                })
                .collect(),
            other => Err(unexpected("postgres", other)),
        }
    }
}
