//! One connection to a simulated backend, and where to find that backend.

use std::time::Duration;

use saga_core::ports::PortError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::net::{SimDialer, SimStream};
use crate::wire::Framed;

/// A backend's address and the client's patience with it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Backend name for errors (`postgres`, `kafka`, `redis`).
    pub backend: &'static str,
    pub host: &'static str,
    pub port: u16,
    /// Deadline of one request/response exchange.
    pub timeout: Duration,
    /// Pooled connections idle longer than this are closed rather than reused (the server
    /// closes sessions idle for longer still).
    pub max_idle: Duration,
    pub dialer: SimDialer,
}

impl Endpoint {
    pub fn new(backend: &'static str, host: &'static str, port: u16) -> Self {
        Self {
            backend,
            host,
            port,
            timeout: Duration::from_secs(1),
            max_idle: Duration::from_secs(1),
            dialer: SimDialer::default(),
        }
    }

    /// Waits until the backend accepts a connection, as a real adapter's start-up does
    /// (PostgreSQL's pool, Kafka's metadata, Redis's PING), retrying with a capped backoff.
    /// Unbounded: the real components' bounded attempts end in an exit a supervisor restarts,
    /// which comes to the same wait.
    pub async fn reach(&self) {
        let mut pause = Duration::from_millis(100);
        while Conn::open(self).await.is_err() {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }

    pub(super) fn unavailable(&self, reason: impl std::fmt::Display) -> PortError {
        PortError::unavailable(self.backend, reason)
    }

    pub(super) fn timed_out(&self, after: Duration) -> PortError {
        PortError::Timeout {
            backend: self.backend,
            after,
        }
    }
}

/// An open connection. Dropping it closes it, which ends the server-side session.
pub(super) struct Conn {
    framed: Framed<SimStream>,
    pub(super) last_used: Instant,
}

impl Conn {
    pub async fn open(ep: &Endpoint) -> Result<Self, PortError> {
        let stream = ep
            .dialer
            .connect(ep.host, ep.port)
            .await
            .map_err(|e| ep.unavailable(e))?;
        Ok(Self {
            framed: Framed::new(stream),
            last_used: Instant::now(),
        })
    }

    /// One exchange within the endpoint's deadline.
    pub async fn call<Q, R>(&mut self, ep: &Endpoint, request: &Q) -> Result<R, PortError>
    where
        Q: Serialize,
        R: DeserializeOwned,
    {
        self.call_within(ep, request, ep.timeout).await
    }

    /// One exchange within `deadline`. After an error the connection's state is unknown: drop it.
    pub async fn call_within<Q, R>(
        &mut self,
        ep: &Endpoint,
        request: &Q,
        deadline: Duration,
    ) -> Result<R, PortError>
    where
        Q: Serialize,
        R: DeserializeOwned,
    {
        let exchange = async {
            self.send(ep, request).await?;
            self.recv(ep).await
        };
        match tokio::time::timeout(deadline, exchange).await {
            Ok(answer) => answer,
            Err(_) => Err(ep.timed_out(deadline)),
        }
    }

    pub async fn send<Q: Serialize>(
        &mut self,
        ep: &Endpoint,
        request: &Q,
    ) -> Result<(), PortError> {
        self.last_used = Instant::now();
        self.framed
            .send(request)
            .await
            .map_err(|e| ep.unavailable(e))
    }

    /// The next response, without a deadline (callers bound it). Cancel-safe.
    pub async fn recv<R: DeserializeOwned>(&mut self, ep: &Endpoint) -> Result<R, PortError> {
        match self.framed.recv().await {
            Ok(Some(response)) => Ok(response),
            Ok(None) => Err(ep.unavailable("connection closed by the server")),
            Err(e) => Err(ep.unavailable(e)),
        }
    }
}
