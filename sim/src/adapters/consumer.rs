//! One consumer-group member on its own connection. Polls are long-poll fetches of a few
//! records, buffered and handed out one by one (or as a batch through `try_next`), as Kafka
//! clients prefetch; a poll whose caller
//! was cancelled stays outstanding and its answer is read by the next call, so `next` is
//! cancel-safe. Any transport error poisons the member: the caller re-subscribes and the broker
//! rebalances, redelivering whatever was not committed.
//!
//! While the caller is busy with what it fetched (a handler retrying for seconds), a background
//! task heartbeats on a connection of its own, as librdkafka's background thread does, so the
//! broker keeps the member until its max poll interval runs out (`sim/src/infra/liveness.rs`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use saga_core::ports::{Consumer, Delivery, PortError};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::conn::{Conn, Endpoint};
use super::unexpected;
use crate::wire::kafka::{KafkaRequest, KafkaResponse};

/// Most records fetched per poll.
const FETCH: usize = 16;

/// A heartbeat goes out when the member's own connection has been quiet this long (a quarter
/// of the broker's session timeout).
const HEARTBEAT_INTERVAL: Duration = Duration::from_millis(500);

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
    /// When the member last sent a request on its own connection.
    last_sent: Arc<Mutex<Instant>>,
    heartbeats: JoinHandle<()>,
}

impl SimConsumer {
    pub(super) fn new(
        ep: Endpoint,
        conn: Conn,
        poll_wait: Duration,
        group: &str,
        member: u64,
    ) -> Self {
        let last_sent = Arc::new(Mutex::new(Instant::now()));
        let beat = heartbeat(ep.clone(), group.to_owned(), member, last_sent.clone());
        Self {
            ep,
            conn,
            poll_wait,
            polling: false,
            buffer: VecDeque::new(),
            lag: 0,
            broken: None,
            last_sent,
            heartbeats: tokio::spawn(beat),
        }
    }

    async fn send(&mut self, request: &KafkaRequest) -> Result<(), PortError> {
        *self.last_sent.lock().expect("heartbeat clock poisoned") = Instant::now();
        self.conn.send(&self.ep, request).await
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
                if let Err(error) = self.send(&poll).await {
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
        *self.last_sent.lock().expect("heartbeat clock poisoned") = Instant::now();
        match self.conn.call(&self.ep, &commit).await {
            Ok(KafkaResponse::Committed) => Ok(()),
            // The buffer is kept: what it holds may have been fetched after the rebalance
            // (this commit waited for the outstanding poll, above), from partitions this member
            // still owns, whose positions are already past it; dropping it lost those records
            // until the next rebalance (seeds 2022, 2039, 2609, … of the 10,000-seed sweep, once
            // commits were sent while a poll was outstanding). Records of a partition that moved
            // are handled here and by their new owner (handlers are idempotent) and their
            // commit is refused.
            Ok(KafkaResponse::Rebalanced(reason)) => Err(PortError::Rebalanced(reason)),
            Ok(other) => Err(self.fail(unexpected("kafka", other))),
            Err(error) => Err(self.fail(error)),
        }
    }

    fn lag(&self) -> Option<u64> {
        Some(self.lag + self.buffer.len() as u64)
    }
}

impl Drop for SimConsumer {
    fn drop(&mut self) {
        self.heartbeats.abort();
    }
}

/// Heartbeats for `member` whenever its own connection has been quiet for an interval, until
/// the broker says it is gone (the member then learns it on its next poll or commit). A failed
/// heartbeat is retried on a fresh connection: only the broker's session timeout decides.
async fn heartbeat(ep: Endpoint, group: String, member: u64, last_sent: Arc<Mutex<Instant>>) {
    let mut conn: Option<Conn> = None;
    let request = KafkaRequest::Heartbeat { group, member };
    loop {
        tokio::time::sleep(HEARTBEAT_INTERVAL).await;
        let quiet = last_sent
            .lock()
            .expect("heartbeat clock poisoned")
            .elapsed();
        if quiet < HEARTBEAT_INTERVAL {
            continue;
        }
        let open = match conn.as_mut() {
            Some(open) => open,
            None => match Conn::open(&ep).await {
                Ok(open) => conn.insert(open),
                Err(_) => continue,
            },
        };
        match open.call(&ep, &request).await {
            Ok(KafkaResponse::Done) => {}
            Ok(_) => return,
            Err(_) => conn = None,
        }
    }
}
