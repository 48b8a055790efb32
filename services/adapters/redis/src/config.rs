//! Redis settings read from the environment, and the bounded, backed-off connect run at
//! start-up.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use saga_core::ports::startup::{GaveUp, accepts_connections, connect_with_retries};
use saga_core::redact::RedactedUrl;

use crate::BACKEND;

const URL_VAR: &str = "REDIS_URL";
const CA_FILE_VAR: &str = "REDIS_CA_FILE";
const PASSWORD_FILE_VAR: &str = "REDIS_PASSWORD_FILE";

/// How to reach Redis and where decisions live. Its `Debug` hides the URL's password.
#[derive(Clone)]
pub struct RedisConfig {
    /// `REDIS_URL` (default `redis://redis:6379/0`, as in compose): `rediss://` for TLS, with
    /// `USER:PASSWORD@` for an ACL user.
    pub url: String,
    /// `REDIS_CA_FILE`: the PEM file of the CA a `rediss://` server's certificate is checked
    /// against (default: the system's roots). The host name is always verified.
    pub ca_file: Option<String>,
    /// `REDIS_PASSWORD_FILE`: a file whose one line is the password, used instead of the URL's
    /// (so neither the environment nor a compose file holds it).
    pub password: Option<String>,
    /// `REDIS_KEY_PREFIX` (default `payment-decision:`): decisions are `{prefix}{event_id}`.
    pub key_prefix: String,
    /// `REDIS_CONNECT_ATTEMPTS` (default 5): start-up attempts before giving up.
    pub connect_attempts: u32,
    /// `REDIS_TIMEOUT_SECONDS` (default 5): bound on connecting and on each command.
    pub timeout: Duration,
    /// `REDIS_DECISION_TTL_SECONDS` (default 864000, 10 days; 0 keeps decisions forever): how
    /// long a payment decision is kept. At least the redelivery window of `orders`
    /// (`saga_core::redelivery`), checked at start-up.
    pub decision_ttl: Duration,
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            url,
            ca_file,
            password,
            key_prefix,
            connect_attempts,
            timeout,
            decision_ttl,
        } = self;
        f.debug_struct("RedisConfig")
            .field("url", &RedactedUrl(url))
            .field("ca_file", ca_file)
            .field("password", &password.as_ref().map(|_| "***"))
            .field("key_prefix", key_prefix)
            .field("connect_attempts", connect_attempts)
            .field("timeout", timeout)
            .field("decision_ttl", decision_ttl)
            .finish()
    }
}

/// Redis could not be reached at start-up, or a setting is malformed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{var}: {reason}")]
    Config { var: &'static str, reason: String },
    #[error("{BACKEND} unreachable at {target} after {attempts} attempts: {reason}")]
    Unreachable {
        target: String,
        attempts: u32,
        reason: String,
    },
}

impl RedisConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ca_file: None,
            password: None,
            key_prefix: "payment-decision:".into(),
            connect_attempts: 5,
            timeout: Duration::from_secs(5),
            decision_ttl: Duration::from_secs(10 * 24 * 3600),
        }
    }

    pub(crate) fn client(&self) -> Result<redis::Client, ConnectError> {
        let invalid = |e: redis::RedisError| ConnectError::Config {
            var: URL_VAR,
            reason: format!("not a valid Redis URL: {e}"),
        };
        let mut info =
            redis::IntoConnectionInfo::into_connection_info(self.url.as_str()).map_err(invalid)?;
        if let Some(password) = &self.password {
            info.redis.password = Some(password.clone());
        }
        let Some(ca_file) = &self.ca_file else {
            return redis::Client::open(info).map_err(invalid);
        };
        let root_cert = std::fs::read(ca_file).map_err(|e| ConnectError::Config {
            var: CA_FILE_VAR,
            reason: format!("{ca_file}: {e}"),
        })?;
        let certificates = redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(root_cert),
        };
        redis::Client::build_with_tls(info, certificates).map_err(invalid)
    }

    pub(crate) fn manager_config(&self) -> ConnectionManagerConfig {
        ConnectionManagerConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(self.timeout)
            .set_number_of_retries(2)
            .set_max_delay(1_000)
    }

    /// Reads `REDIS_URL`, `REDIS_CA_FILE`, `REDIS_KEY_PREFIX`, `REDIS_CONNECT_ATTEMPTS`, `REDIS_TIMEOUT_SECONDS`.
    ///
    /// # Errors
    /// [`ConnectError::Config`] naming the malformed variable.
    pub fn from_env() -> Result<Self, ConnectError> {
        let mut config =
            Self::new(std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://redis:6379/0".into()));
        config.ca_file = std::env::var(CA_FILE_VAR).ok();
        if let Ok(path) = std::env::var(PASSWORD_FILE_VAR) {
            let password = saga_core::secret::read_secret_file(&path).map_err(|reason| {
                ConnectError::Config {
                    var: PASSWORD_FILE_VAR,
                    reason,
                }
            })?;
            config.password = Some(password);
        }
        if let Ok(prefix) = std::env::var("REDIS_KEY_PREFIX") {
            config.key_prefix = prefix;
        }
        let number = |var: &'static str, default: u64| match std::env::var(var) {
            Err(_) => Ok(default),
            Ok(text) => text.trim().parse().map_err(|_| ConnectError::Config {
                var,
                reason: format!("expected a non-negative integer, got {text:?}"),
            }),
        };
        config.connect_attempts =
            u32::try_from(number("REDIS_CONNECT_ATTEMPTS", 5)?).unwrap_or(u32::MAX);
        config.timeout = Duration::from_secs(number("REDIS_TIMEOUT_SECONDS", 5)?);
        config.decision_ttl = Duration::from_secs(number(
            "REDIS_DECISION_TTL_SECONDS",
            config.decision_ttl.as_secs(),
        )?);
        Ok(config)
    }

    /// `host:port/db` without credentials.
    pub fn target(&self) -> String {
        match redis::Client::open(self.url.as_str()) {
            Ok(client) => {
                let info = client.get_connection_info();
                format!("{}/{}", info.addr, info.redis.db)
            }
            Err(_) => "an unparsable REDIS_URL".into(),
        }
    }

    /// Connects a reconnecting connection manager, retrying with exponential backoff (0.5 s
    /// doubling, at most 5 s) up to `connect_attempts` times.
    ///
    /// # Errors
    /// [`ConnectError`] naming Redis and the address after the last attempt.
    pub async fn connect(&self) -> Result<ConnectionManager, ConnectError> {
        let client = self.client()?;
        let manager_config = self.manager_config();
        let target = self.target();
        let connected = connect_with_retries(BACKEND, &target, self.connect_attempts, || {
            ConnectionManager::new_with_config(client.clone(), manager_config.clone())
        })
        .await;
        match connected {
            Ok(manager) => Ok(manager),
            Err(GaveUp { attempts, reason }) => Err(self
                .plaintext_refused(&reason)
                .await
                .unwrap_or(ConnectError::Unreachable {
                    target,
                    attempts,
                    reason,
                })),
        }
    }

    /// Why a plaintext client got no answer from a server that accepts its connection: most
    /// likely it speaks TLS only. `None` for `rediss://`, or when nothing listens there.
    async fn plaintext_refused(&self, reason: &str) -> Option<ConnectError> {
        let info = self.client().ok()?.get_connection_info().clone();
        let redis::ConnectionAddr::Tcp(host, port) = &info.addr else {
            return None;
        };
        let address = format!("{host}:{port}");
        accepts_connections(&address, self.timeout)
            .await
            .then(|| ConnectError::Config {
                var: URL_VAR,
                reason: format!(
                    "{BACKEND} at {address} accepts connections but does not answer a \
                     plaintext client ({reason}); if it is TLS-only, use rediss:// in \
                     {URL_VAR}, with {CA_FILE_VAR} for a private CA"
                ),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::RedisConfig;

    #[test]
    fn debug_hides_the_password() {
        let config = RedisConfig::new("redis://saga:hunter2@redis:6379/0");
        let text = format!("{config:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("redis://saga:***@redis:6379/0"), "{text}");
        assert!(
            text.contains("payment-decision:"),
            "the other settings still show: {text}"
        );
    }

    #[test]
    fn a_password_from_a_file_replaces_the_urls_and_is_hidden() {
        let mut config = RedisConfig::new("redis://saga-payment-worker:stale@redis:6379/0");
        config.password = Some("from-the-file".into());
        let info = config.client().unwrap().get_connection_info().clone();
        assert_eq!(info.redis.password.as_deref(), Some("from-the-file"));
        assert_eq!(info.redis.username.as_deref(), Some("saga-payment-worker"));
        let text = format!("{config:?}");
        assert!(!text.contains("from-the-file"), "{text}");
    }
}
