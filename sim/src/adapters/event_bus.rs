//! `EventBus` as a client of the simulated Kafka host: publishes on pooled producer
//! connections; each subscription is a member on a connection of its own.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use saga_core::Topic;
use saga_core::ports::{Consumer, EventBus, OutgoingMessage, PortError};

use super::conn::{Conn, Endpoint};
use super::consumer::SimConsumer;
use super::pool::Pool;
use super::unexpected;
use crate::wire::kafka::{KafkaRequest, KafkaResponse, MessageWire};

/// Kafka on the simulated network.
#[derive(Clone)]
pub struct SimEventBus {
    pool: Arc<Pool>,
    /// How long the broker may hold a poll open when nothing is ready.
    poll_wait: Duration,
}

impl SimEventBus {
    pub fn new(ep: Endpoint) -> Self {
        Self {
            pool: Arc::new(Pool::new(ep)),
            poll_wait: Duration::from_millis(250),
        }
    }
}

#[async_trait]
impl EventBus for SimEventBus {
    async fn publish(&self, messages: Vec<OutgoingMessage>) -> Result<(), PortError> {
        let batch = messages.into_iter().map(MessageWire::from).collect();
        match self.pool.call(&KafkaRequest::Publish(batch)).await? {
            KafkaResponse::Published => Ok(()),
            KafkaResponse::Error(reason) => Err(PortError::rejected("kafka", reason)),
            other => Err(unexpected("kafka", other)),
        }
    }

    fn max_message_bytes(&self) -> usize {
        crate::infra::MESSAGE_MAX_BYTES
    }

    async fn subscribe(
        &self,
        group: &str,
        topics: &[Topic],
    ) -> Result<Box<dyn Consumer>, PortError> {
        let ep = self.pool.ep.clone();
        let mut conn = Conn::open(&ep).await?;
        let join = KafkaRequest::Join {
            group: group.to_owned(),
            topics: topics.to_vec(),
        };
        match conn.call(&ep, &join).await? {
            KafkaResponse::Joined(member) => {
                let consumer = SimConsumer::new(ep, conn, self.poll_wait, group, member);
                Ok(Box::new(consumer))
            }
            other => Err(unexpected("kafka", other)),
        }
    }

    async fn ping(&self) -> Result<(), PortError> {
        match self.pool.call(&KafkaRequest::Ping).await? {
            KafkaResponse::Done => Ok(()),
            other => Err(unexpected("kafka", other)),
        }
    }
}
