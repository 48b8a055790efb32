//! `DeliveryStore` as a client of the delivery worker's table on the simulated PostgreSQL.

use std::sync::Arc;

use async_trait::async_trait;
use saga_core::ports::{AssignOutcome, DeliveryAssignment, DeliveryStore, PortError};

use super::conn::Endpoint;
use super::pool::Pool;
use super::unexpected;
use crate::wire::postgres::{AssignmentWire, PgRequest, PgResponse};

/// Delivery assignments on the simulated PostgreSQL.
#[derive(Clone)]
pub struct SimDeliveryStore {
    pool: Arc<Pool>,
}

impl SimDeliveryStore {
    pub fn new(ep: Endpoint) -> Self {
        Self {
            pool: Arc::new(Pool::new(ep)),
        }
    }
}

#[async_trait]
impl DeliveryStore for SimDeliveryStore {
    async fn assign(&self, assignment: DeliveryAssignment) -> Result<AssignOutcome, PortError> {
        let request = PgRequest::Assign(AssignmentWire::from(&assignment));
        match self.pool.call(&request).await? {
            PgResponse::Assigned { new: true } => Ok(AssignOutcome::Assigned),
            PgResponse::Assigned { new: false } => Ok(AssignOutcome::AlreadyAssigned),
            other => Err(unexpected("postgres", other)),
        }
    }

    async fn ping(&self) -> Result<(), PortError> {
        match self.pool.call(&PgRequest::Ping).await? {
            PgResponse::Done => Ok(()),
            other => Err(unexpected("postgres", other)),
        }
    }
}
