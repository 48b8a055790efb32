//! The payment decision store on Redis: a Lua script stores the proposal when the key is
//! absent and returns whatever is stored, in one atomic round trip (any Redis version).

use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use saga_core::ports::{DecisionStore, PortError};
use saga_core::{EventId, PaymentDecision};

use crate::BACKEND;
use crate::keys::{port_error, scan_prefix};

/// GET, or SET and return the argument: atomic because Redis runs scripts one at a time.
const DECIDE: &str = r"
local stored = redis.call('GET', KEYS[1])
if stored then return stored end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
";

/// Decisions kept in Redis under `{prefix}{event_id}`.
#[derive(Clone)]
pub struct RedisDecisionStore {
    conn: ConnectionManager,
    prefix: String,
    script: redis::Script,
}

impl std::fmt::Debug for RedisDecisionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisDecisionStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn parse(text: &str) -> Result<PaymentDecision, PortError> {
    text.parse()
        .map_err(|e| PortError::rejected(BACKEND, format!("stored decision is invalid: {e}")))
}

impl RedisDecisionStore {
    pub fn new(conn: ConnectionManager, prefix: impl Into<String>) -> Self {
        Self {
            conn,
            prefix: prefix.into(),
            script: redis::Script::new(DECIDE),
        }
    }

    /// What every key of this store starts with.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, source: EventId) -> String {
        format!("{}{source}", self.prefix)
    }

    /// Every stored decision under this prefix, for the checker.
    ///
    /// # Errors
    /// [`PortError`] when Redis is unreachable or holds a value that is not a decision.
    pub async fn snapshot(&self) -> Result<Vec<(EventId, PaymentDecision)>, PortError> {
        let keys = scan_prefix(&self.conn, &self.prefix).await?;
        let mut conn = self.conn.clone();
        let mut decisions = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(500) {
            let values: Vec<Option<String>> = conn.mget(chunk).await.map_err(port_error)?;
            for (key, value) in chunk.iter().zip(values) {
                let Some(value) = value else { continue };
                let id = key[self.prefix.len()..]
                    .parse()
                    .map_err(|e| PortError::rejected(BACKEND, format!("key {key}: {e}")))?;
                decisions.push((id, parse(&value)?));
            }
        }
        Ok(decisions)
    }
}

#[async_trait]
impl DecisionStore for RedisDecisionStore {
    #[tracing::instrument(skip_all, fields(source = %source))]
    async fn decide(
        &self,
        source: EventId,
        proposal: PaymentDecision,
    ) -> Result<PaymentDecision, PortError> {
        let mut conn = self.conn.clone();
        let stored: String = self
            .script
            .key(self.key(source))
            .arg(proposal.as_str())
            .invoke_async(&mut conn)
            .await
            .map_err(port_error)?;
        parse(&stored)
    }

    async fn ping(&self) -> Result<(), PortError> {
        let mut conn = self.conn.clone();
        let _: String = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .map_err(port_error)?;
        Ok(())
    }
}
