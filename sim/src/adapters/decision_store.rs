//! `DecisionStore` as a client of the simulated Redis host.

use std::sync::Arc;

use async_trait::async_trait;
use saga_core::ports::{DecisionStore, PortError};
use saga_core::{EventId, PaymentDecision};

use super::conn::Endpoint;
use super::pool::Pool;
use super::unexpected;
use crate::wire::redis::{RedisRequest, RedisResponse};

/// Payment decisions on the simulated Redis.
#[derive(Clone)]
pub struct SimDecisionStore {
    pool: Arc<Pool>,
}

impl SimDecisionStore {
    pub fn new(ep: Endpoint) -> Self {
        Self {
            pool: Arc::new(Pool::new(ep)),
        }
    }
}

#[async_trait]
impl DecisionStore for SimDecisionStore {
    async fn decide(
        &self,
        source: EventId,
        proposal: PaymentDecision,
    ) -> Result<PaymentDecision, PortError> {
        match self
            .pool
            .call(&RedisRequest::Decide { source, proposal })
            .await?
        {
            RedisResponse::Decision(decision) => Ok(decision),
            RedisResponse::Error(reason) => Err(PortError::rejected("redis", reason)),
            other => Err(unexpected("redis", other)),
        }
    }

    async fn ping(&self) -> Result<(), PortError> {
        match self.pool.call(&RedisRequest::Ping).await? {
            RedisResponse::Pong => Ok(()),
            other => Err(unexpected("redis", other)),
        }
    }
}
