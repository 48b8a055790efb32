//! One consumer-group member on its own connection. Polls are long-poll fetches of a few
//! records, buffered and handed out one by one (or as a batch through `try_next`), as Kafka
//! clients prefetch; a poll whose caller
//! was cancelled stays outstanding and its answer is read by the next call, so `next` is
//! cancel-safe. Any transport error poisons the member: the caller re-subscribes and the broker
//! rebalances, redelivering whatever was not committed.

use std::collections::VecDeque;
use std::time::Duration;

use async_trait::async_trait;
use saga_core::ports::{Consumer, Delivery, PortError};

use super::conn::{Conn, Endpoint};
use super::unexpected;
use crate::wire::kafka::{KafkaRequest, KafkaResponse};

/// Most records fetched per poll.
const FETCH: usize = 16;

/// A member of a consumer group on the simulated Kafka. Dropping it closes its connection,
/// which makes the broker remove it from the group.
pub struct SimConsumer {
    ep: Endpoint,
    conn: Conn,
    poll_wait: Duration,
    /// A poll was sent and its answer not yet read.
    polling: bool,
    /// Fetched records not yet handed out.
    buffer: VecDeque<Delivery>,
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
            buffer: VecDeque::new(),
            lag: 0,
            broken: None,
        }
    }

    fn fail(&mut self, error: PortError) -> PortError {
        self.broken = Some(error.clone());
        error
    }

    /// Reads the answer of the outstanding poll, if any, into the buffer.
    async fn finish_poll(&mut self) -> Result<(), PortError> {
        if !self.polling {
            return Ok(());
        }
        let deadline = self.poll_wait + self.ep.timeout;
        let answer = match tokio::time::timeout(deadline, self.conn.recv(&self.ep)).await {
            Ok(answer) => answer,
            Err(_) => Err(self.ep.timed_out(deadline)),
        };
        self.polling = false;
        match answer {
            Ok(KafkaResponse::Records(records, lag)) => {
                self.lag = lag;
                self.buffer.extend(records.into_iter().map(Delivery::from));
                Ok(())
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
        loop {
            if let Some(error) = &self.broken {
                return Err(error.clone());
            }
            if let Some(delivery) = self.buffer.pop_front() {
                return Ok(delivery);
            }
            if !self.polling {
                let poll = KafkaRequest::Poll {
                    wait_ms: self.poll_wait.as_millis() as u64,
                    max: FETCH,
                };
                if let Err(error) = self.conn.send(&self.ep, &poll).await {
                    return Err(self.fail(error));
                }
                self.polling = true;
            }
            self.finish_poll().await?;
        }
    }

    /// What the last poll fetched and is not yet handed out (a broken member has nothing:
    /// `next` reports why).
    fn try_next(&mut self) -> Option<Result<Delivery, PortError>> {
        if self.broken.is_some() {
            return None;
        }
        self.buffer.pop_front().map(Ok)
    }

    async fn commit(&mut self, delivery: &Delivery) -> Result<(), PortError> {
        if let Some(error) = &self.broken {
            return Err(error.clone());
        }
        self.finish_poll().await?;
        let commit = KafkaRequest::Commit {
            topic: delivery.topic,
            partition: delivery.partition,
            offset: delivery.offset,
        };
        match self.conn.call(&self.ep, &commit).await {
            Ok(KafkaResponse::Committed) => Ok(()),
            Ok(KafkaResponse::Rebalanced(reason)) => {
                // The assignment changed and every position was rewound: what was prefetched
                // will be fetched again by whoever owns it now.
                self.buffer.clear();
                Err(PortError::Rebalanced(reason))
            }
            Ok(other) => Err(self.fail(unexpected("kafka", other))),
            Err(error) => Err(self.fail(error)),
        }
    }

    fn lag(&self) -> Option<u64> {
        Some(self.lag + self.buffer.len() as u64)
    }
}
