//! Connection settings read from the environment, and the bounded, backed-off connect that
//! every component runs at start-up.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

use saga_core::ports::startup::{GaveUp, connect_with_retries};
use saga_core::redact::RedactedUrl;

use crate::BACKEND;

/// A pooled connection idle longer than this is pinged before it is handed out.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// How to reach PostgreSQL and how big the pool is. Its `Debug` hides the URL's password.
#[derive(Clone)]
pub struct PgConfig {
    /// `DATABASE_URL`, e.g. `postgres://saga:saga@127.0.0.1:5432/saga`.
    pub url: String,
    /// `DATABASE_POOL_SIZE` (default 10); the outbox listener holds one of them.
    pub pool_size: u32,
    /// `DATABASE_ACQUIRE_TIMEOUT_SECONDS` (default 5): longest wait for a pooled connection.
    pub acquire_timeout: Duration,
    /// `DATABASE_STATEMENT_TIMEOUT_SECONDS` (default 30): server-side bound on one statement.
    pub statement_timeout: Duration,
    /// `DATABASE_CONNECT_ATTEMPTS` (default 5): start-up attempts before giving up.
    pub connect_attempts: u32,
    /// `DATABASE_CALL_TIMEOUT_SECONDS` (default 10): client-side deadline on every call, which
    /// also bounds a connection that stops answering (the server-side timeout cannot).
    pub call_timeout: Duration,
    /// `DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS` (default 60): the server ends a session
    /// idle inside a transaction for this long, releasing its locks — the outbox rows a relay
    /// claimed before its connection was cut. Longer than the relay's longest publish.
    pub idle_in_transaction_timeout: Duration,
    /// The contents of `DATABASE_PASSWORD_FILE` when set: the password, kept out of the URL
    /// (and so out of the environment), e.g. a compose secret. Overrides the URL's.
    pub password: Option<String>,
}

impl std::fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            url,
            pool_size,
            acquire_timeout,
            statement_timeout,
            connect_attempts,
            call_timeout,
            idle_in_transaction_timeout,
            password,
        } = self;
        f.debug_struct("PgConfig")
            .field("url", &RedactedUrl(url))
            .field("pool_size", pool_size)
            .field("acquire_timeout", acquire_timeout)
            .field("statement_timeout", statement_timeout)
            .field("connect_attempts", connect_attempts)
            .field("call_timeout", call_timeout)
            .field("idle_in_transaction_timeout", idle_in_transaction_timeout)
            .field("password", &password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// A setting that is missing or malformed; names the variable.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

/// PostgreSQL could not be reached at start-up.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{BACKEND} unreachable at {target} after {attempts} attempts: {reason}")]
    Unreachable {
        target: String,
        attempts: u32,
        reason: String,
    },
}

impl PgConfig {
    /// Defaults for everything but the URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            pool_size: 10,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
            connect_attempts: 5,
            call_timeout: crate::guard::DEFAULT_CALL_TIMEOUT,
            idle_in_transaction_timeout: Duration::from_secs(60),
            password: None,
        }
    }

    /// Reads `DATABASE_URL` (required) and the optional pool settings.
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable that is missing or malformed.
    pub fn from_env() -> Result<Self, ConfigError> {
        let url = std::env::var("DATABASE_URL").map_err(|_| ConfigError {
            var: "DATABASE_URL",
            reason: "not set (e.g. postgres://saga:saga@127.0.0.1:5432/saga)".into(),
        })?;
        let mut config = Self::new(url);
        config.pool_size = env_number("DATABASE_POOL_SIZE", config.pool_size)?;
        let secs =
            |var, default: Duration| env_number(var, default.as_secs()).map(Duration::from_secs);
        config.acquire_timeout = secs("DATABASE_ACQUIRE_TIMEOUT_SECONDS", config.acquire_timeout)?;
        config.statement_timeout = secs(
            "DATABASE_STATEMENT_TIMEOUT_SECONDS",
            config.statement_timeout,
        )?;
        config.connect_attempts = env_number("DATABASE_CONNECT_ATTEMPTS", config.connect_attempts)?;
        config.call_timeout = secs("DATABASE_CALL_TIMEOUT_SECONDS", config.call_timeout)?;
        config.idle_in_transaction_timeout = secs(
            "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS",
            config.idle_in_transaction_timeout,
        )?;
        config.password = password_file("DATABASE_PASSWORD_FILE")?;
        Ok(config)
    }

    /// The parsed URL with the statement timeout applied.
    ///
    /// # Errors
    /// [`ConfigError`] for `DATABASE_URL` when it does not parse (the URL is not echoed: it
    /// may hold a password).
    pub fn connect_options(&self) -> Result<PgConnectOptions, ConfigError> {
        let options = PgConnectOptions::from_str(&self.url).map_err(|e| ConfigError {
            var: "DATABASE_URL",
            reason: format!("not a valid PostgreSQL URL: {e}"),
        })?;
        let timeout = format!("{}ms", self.statement_timeout.as_millis());
        let idle = format!("{}ms", self.idle_in_transaction_timeout.as_millis());
        let options = match &self.password {
            Some(password) => options.password(password),
            None => options,
        };
        Ok(options
            .options([
                ("statement_timeout", timeout.as_str()),
                ("idle_in_transaction_session_timeout", idle.as_str()),
            ])
            .disable_statement_logging())
    }

    /// Where this config points, without credentials: `host:port/database`.
    pub fn target(&self) -> String {
        match self.connect_options() {
            Ok(o) => format!(
                "{}:{}/{}",
                o.get_host(),
                o.get_port(),
                o.get_database().unwrap_or("")
            ),
            Err(_) => "an unparsable DATABASE_URL".into(),
        }
    }

    /// Opens the pool, retrying with exponential backoff (0.5 s doubling, at most 5 s) up to
    /// `connect_attempts` times.
    ///
    /// # Errors
    /// [`ConnectError::Unreachable`] naming PostgreSQL and the address after the last attempt.
    pub async fn connect(&self) -> Result<PgPool, ConnectError> {
        let options = self.connect_options()?;
        let target = self.target();
        connect_with_retries(BACKEND, &target, self.connect_attempts, || {
            PgPoolOptions::new()
                .max_connections(self.pool_size.max(2))
                .acquire_timeout(self.acquire_timeout)
                // sqlx pings every connection it hands out: a round trip per statement. Ping
                // only connections idle for a while (after an outage, say); a busy one that
                // has died fails its statement, which callers retry as any transient error.
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for > IDLE_BEFORE_PING {
                            conn.ping().await?;
                        }
                        Ok(true)
                    })
                })
                .connect_with(options.clone())
        })
        .await
        .map_err(|GaveUp { attempts, reason }| ConnectError::Unreachable {
            target,
            attempts,
            reason: explain(reason),
        })
    }
}

/// A refusal's reason, saying what to set when the server accepts only TLS and the URL
/// asked for none (PostgreSQL's pg_hba.conf says "no encryption").
fn explain(reason: String) -> String {
    if reason.contains("no encryption") {
        format!(
            "{reason}; the server accepts only TLS: set sslmode=verify-full and \
             sslrootcert=<its CA file> (or sslmode=require) in DATABASE_URL"
        )
    } else {
        reason
    }
}

/// The password in the file `var` names, or `None` when `var` is not set.
fn password_file(var: &'static str) -> Result<Option<String>, ConfigError> {
    match std::env::var(var) {
        Ok(path) => read_password(var, &path).map(Some),
        Err(_) => Ok(None),
    }
}

/// The one line of `path` (a trailing newline is not part of the password).
fn read_password(var: &'static str, path: &str) -> Result<String, ConfigError> {
    saga_core::secret::read_secret_file(path).map_err(|reason| ConfigError { var, reason })
}

fn env_number<T: FromStr>(var: &'static str, default: T) -> Result<T, ConfigError> {
    match std::env::var(var) {
        Err(_) => Ok(default),
        Ok(text) => text.trim().parse().map_err(|_| ConfigError {
            var,
            reason: format!("expected a non-negative integer, got {text:?}"),
        }),
    }
}

/// One round trip on a pooled connection, within the deadline: what the stores' `ping`
/// (readiness) means.
pub(crate) async fn ping(db: &crate::guard::Db) -> Result<(), saga_core::ports::PortError> {
    crate::guard::within!(db, |conn| sqlx::query("SELECT 1").execute(conn))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::PgConfig;

    #[test]
    fn a_password_file_supplies_the_password_and_debug_hides_it() {
        let mut config = PgConfig::new("postgres://saga_order_api@db:5432/saga");
        config.password = Some("hunter4".into());
        let options = config.connect_options().unwrap();
        assert_eq!(options.get_username(), "saga_order_api");
        assert!(!format!("{config:?}").contains("hunter4"));
        let path = std::env::temp_dir().join(format!("saga-pg-password-{}", std::process::id()));
        let path_text = path.to_str().unwrap();
        let var = "DATABASE_PASSWORD_FILE";
        std::fs::write(&path, "hunter5\n").unwrap();
        assert_eq!(super::read_password(var, path_text).unwrap(), "hunter5");
        std::fs::write(&path, "").unwrap();
        let error = super::read_password(var, path_text)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(var) && error.contains("is empty"),
            "{error}"
        );
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn debug_hides_the_password() {
        let config = PgConfig::new("postgres://saga:hunter2@db:5432/saga?password=hunter3");
        let text = format!("{config:?}");
        assert!(
            !text.contains("hunter2") && !text.contains("hunter3"),
            "{text}"
        );
        assert!(text.contains("postgres://saga:***@db:5432/saga"), "{text}");
        assert!(
            text.contains("pool_size: 10"),
            "the other settings still show: {text}"
        );
    }
}
