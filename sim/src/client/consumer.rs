//! One consumer-group member on its own connection. Polls are long polls; a poll whose caller
//! was cancelled stays outstanding and its answer is read by the next call, so `next` is
//! cancel-safe. Any transport error poisons the member: the caller re-subscribes and the broker
//! rebalances, redelivering whatever was not committed.

use std::time::Duration;

use async_trait::async_trait;
use saga_core::ports::{Consumer, Delivery, PortError};

use super::conn::{Conn, Endpoint};
use super::unexpected;
use crate::wire::kafka::{KafkaRequest, KafkaResponse};

/// A member of a consumer group on the simulated Kafka. Dropping it closes its connection,
/// which makes the broker remove it from the group.
pub struct SimConsumer {
    ep: Endpoint,
    conn: Conn,
    poll_wait: Duration,
    /// A poll was sent and its answer not yet read.
    polling: bool,
    /// A record that arrived for a poll whose caller had gone away.
    stash: Option<Delivery>,
    lag: u64,
    broken: Option<PortError>,
}

impl SimConsumer {
    pub(super) fn new(ep: Endpoint, conn: Conn, poll_wait: Duration) -> Self {
        Self {
            ep,
            conn,
            poll_wait,
            polling: false,
            stash: None,
            lag: 0,
            broken: None,
        }
    }

    fn fail(&mut self, error: PortError) -> PortError {
        self.broken = Some(error.clone());
        error
    }

    /// Reads the answer of the outstanding poll, if any: a record or none.
    async fn finish_poll(&mut self) -> Result<Option<Delivery>, PortError> {
        if !self.polling {
            return Ok(None);
        }
        let deadline = self.poll_wait + self.ep.timeout;
        let answer = match tokio::time::timeout(deadline, self.conn.recv(&self.ep)).await {
            Ok(answer) => answer,
            Err(_) => Err(self.ep.timed_out(deadline)),
        };
        self.polling = false;
        match answer {
            Ok(KafkaResponse::Record(record, lag)) => {
                self.lag = lag;
                Ok(record.map(Delivery::from))
            }
            Ok(KafkaResponse::Rebalanced(reason)) => Err(self.fail(PortError::Rebalanced(reason))),
            Ok(other) => Err(self.fail(unexpected("kafka", other))),
            Err(error) => Err(self.fail(error)),
        }
    }
}

#[async_trait]
impl Consumer for SimConsumer {
    async fn next(&mut self) -> Result<Delivery, PortError> {
        if let Some(error) = &self.broken {
            return Err(error.clone());
        }
        if let Some(stashed) = self.stash.take() {
            return Ok(stashed);
        }
        loop {
            if !self.polling {
                let poll = KafkaRequest::Poll {
                    wait_ms: self.poll_wait.as_millis() as u64,
                };
                if let Err(error) = self.conn.send(&self.ep, &poll).await {
                    return Err(self.fail(error));
                }
                self.polling = true;
            }
            if let Some(delivery) = self.finish_poll().await? {
                return Ok(delivery);
            }
        }
    }

    async fn commit(&mut self, delivery: &Delivery) -> Result<(), PortError> {
        if let Some(error) = &self.broken {
            return Err(error.clone());
        }
        if let Some(record) = self.finish_poll().await? {
            self.stash = Some(record);
        }
        let commit = KafkaRequest::Commit {
            topic: delivery.topic,
            partition: delivery.partition,
            offset: delivery.offset,
        };
        match self.conn.call(&self.ep, &commit).await {
            Ok(KafkaResponse::Committed) => Ok(()),
            Ok(KafkaResponse::Rebalanced(reason)) => Err(PortError::Rebalanced(reason)),
            Ok(other) => Err(self.fail(unexpected("kafka", other))),
            Err(error) => Err(self.fail(error)),
        }
    }

    fn lag(&self) -> Option<u64> {
        Some(self.lag)
    }
}
