//! A connection pool: idle connections reused last-in first-out (so a connection whose claim was
//! just dropped is the next one used, and its rollback happens before the next claim).

use std::sync::Mutex;

use saga_core::ports::PortError;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::conn::{Conn, Endpoint};

pub(super) struct Pool {
    pub ep: Endpoint,
    idle: Mutex<Vec<Conn>>,
}

impl Pool {
    pub fn new(ep: Endpoint) -> Self {
        Self {
            ep,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// An idle connection that is still fresh, else a new one.
    pub async fn checkout(&self) -> Result<Conn, PortError> {
        loop {
            let idle = self.idle.lock().expect("pool lock poisoned").pop();
            match idle {
                Some(conn) if conn.last_used.elapsed() < self.ep.max_idle => return Ok(conn),
                Some(stale) => drop(stale),
                None => return Conn::open(&self.ep).await,
            }
        }
    }

    pub fn checkin(&self, conn: Conn) {
        self.idle.lock().expect("pool lock poisoned").push(conn);
    }

    /// One exchange on a pooled connection; a connection that failed is not reused.
    pub async fn call<Q, R>(&self, request: &Q) -> Result<R, PortError>
    where
        Q: Serialize,
        R: DeserializeOwned,
    {
        self.call_within(request, self.ep.timeout).await
    }

    pub async fn call_within<Q, R>(
        &self,
        request: &Q,
        deadline: std::time::Duration,
    ) -> Result<R, PortError>
    where
        Q: Serialize,
        R: DeserializeOwned,
    {
        let mut conn = self.checkout().await?;
        let answer = conn.call_within(&self.ep, request, deadline).await?;
        self.checkin(conn);
        Ok(answer)
    }
}
