//! The payment decision store on Redis: a Lua script stores the proposal when the key is
//! absent (with a TTL: retention) and returns whatever is stored, in one atomic round trip (any
//! Redis version). Every command has the configured deadline, and a connection on which one
//! timed out is replaced, never reused.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use saga_core::ports::{DecisionStore, PortError};
use saga_core::{EventId, PaymentDecision};

use crate::BACKEND;
use crate::config::{ConnectError, RedisConfig};
use crate::keys::{port_error, scan_prefix};

/// GET, or SET (expiring after ARGV[2] seconds, when positive) and return the argument:
/// atomic because Redis runs scripts one at a time.
const DECIDE: &str = r"
local stored = redis.call('GET', KEYS[1])
if stored then return stored end
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
else
  redis.call('SET', KEYS[1], ARGV[1])
end
return ARGV[1]
";

/// Decisions kept in Redis under `{prefix}{event_id}`.
#[derive(Clone)]
pub struct RedisDecisionStore {
    conn: Arc<RwLock<ConnectionManager>>,
    /// How to open a fresh connection after a timeout; `None` for a store that only reads.
    reconnect: Option<(redis::Client, ConnectionManagerConfig)>,
    prefix: String,
    script: redis::Script,
    ttl: Duration,
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
    /// A store on `conn` that keeps decisions forever and never replaces its connection (what
    /// the checker and tools use).
    pub fn new(conn: ConnectionManager, prefix: impl Into<String>) -> Self {
        Self {
            conn: Arc::new(RwLock::new(conn)),
            reconnect: None,
            prefix: prefix.into(),
            script: redis::Script::new(DECIDE),
            ttl: Duration::ZERO,
        }
    }

    /// The payment worker's store: `config.key_prefix`, decisions expiring after
    /// `config.decision_ttl`, and a fresh connection after any command times out.
    ///
    /// # Errors
    /// As [`RedisConfig::connect`].
    pub async fn connect(config: &RedisConfig) -> Result<Self, ConnectError> {
        let conn = config.connect().await?;
        let mut store = Self::new(conn, config.key_prefix.clone());
        store.reconnect = Some((config.client()?, config.manager_config()));
        store.ttl = config.decision_ttl;
        Ok(store)
    }

    fn conn(&self) -> ConnectionManager {
        self.conn.read().expect("redis lock poisoned").clone()
    }

    /// Replaces the connection after a command timed out. A multiplexed connection matches
    /// answers to requests by order; on a link that dropped requests without closing (a black
    /// hole), every later answer would go to the wrong caller or none, so it is never reused.
    async fn replace_after(&self, error: &redis::RedisError) {
        let Some((client, config)) = &self.reconnect else {
            return;
        };
        if !error.is_timeout() {
            return;
        }
        match ConnectionManager::new_with_config(client.clone(), config.clone()).await {
            Ok(fresh) => {
                tracing::warn!("a Redis command timed out: the connection is replaced");
                *self.conn.write().expect("redis lock poisoned") = fresh;
            }
            Err(e) => tracing::warn!(error = %e, "replacing the Redis connection failed"),
        }
    }

    /// What every key of this store starts with.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, source: EventId) -> String {
        format!("{}{source}", self.prefix)
    }

    /// The decision stored for `source`, if any.
    ///
    /// # Errors
    /// [`PortError`] when Redis is unreachable or holds a value that is not a decision.
    pub async fn get(&self, source: EventId) -> Result<Option<PaymentDecision>, PortError> {
        let value: Option<String> = self
            .conn()
            .get(self.key(source))
            .await
            .map_err(port_error)?;
        value.as_deref().map(parse).transpose()
    }

    /// Every stored decision under this prefix, for the checker.
    ///
    /// # Errors
    /// [`PortError`] when Redis is unreachable or holds a value that is not a decision.
    pub async fn snapshot(&self) -> Result<Vec<(EventId, PaymentDecision)>, PortError> {
        let keys = scan_prefix(&self.conn(), &self.prefix).await?;
        let mut conn = self.conn();
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
        let mut conn = self.conn();
        let stored: Result<String, _> = self
            .script
            .key(self.key(source))
            .arg(proposal.as_str())
            .arg(self.ttl.as_secs())
            .invoke_async(&mut conn)
            .await;
        match stored {
            Ok(stored) => parse(&stored),
            Err(error) => {
                self.replace_after(&error).await;
                Err(port_error(error))
            }
        }
    }

    async fn ping(&self) -> Result<(), PortError> {
        let mut conn = self.conn();
        let pong: Result<String, _> = redis::cmd("PING").query_async(&mut conn).await;
        if let Err(error) = pong {
            self.replace_after(&error).await;
            return Err(port_error(error));
        }
        Ok(())
    }
}
