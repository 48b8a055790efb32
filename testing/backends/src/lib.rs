//! Where the real-backend contract suites find PostgreSQL, Kafka and Redis. One variable
//! chooses: `SAGA_TEST_BACKENDS=native` (the default) uses the running native stack
//! (`scripts/stack up`, addresses from the environment `scripts/stack env` prints);
//! `SAGA_TEST_BACKENDS=containers` starts each backend once per test process with
//! testcontainers, from the images docker-compose.yml uses (`POSTGRES_IMAGE`, `KAFKA_IMAGE`,
//! `REDIS_IMAGE`, with compose's defaults), and removes them when the process ends.

mod containers;
mod native;

use std::fmt;

/// Which backends the tests use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backends {
    Native,
    Containers,
}

/// The variable that picks [`Backends`].
pub const VARIABLE: &str = "SAGA_TEST_BACKENDS";

/// Why a backend cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("{VARIABLE}={0:?}: expected `native` or `containers`")]
    UnknownMode(String),
    #[error("starting a {backend} container from {image} failed: {reason}")]
    Start {
        backend: Backend,
        image: String,
        reason: String,
    },
}

/// One of the three real backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Postgres,
    Kafka,
    Redis,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Postgres => "PostgreSQL",
            Self::Kafka => "Kafka",
            Self::Redis => "Redis",
        })
    }
}

impl Backends {
    /// From [`VARIABLE`]; unset or empty is `native`.
    ///
    /// # Errors
    /// [`BackendError::UnknownMode`] for any other value.
    pub fn from_env() -> Result<Self, BackendError> {
        Self::parse(std::env::var(VARIABLE).ok().as_deref())
    }

    fn parse(value: Option<&str>) -> Result<Self, BackendError> {
        match value.unwrap_or_default() {
            "" | "native" => Ok(Self::Native),
            "containers" => Ok(Self::Containers),
            other => Err(BackendError::UnknownMode(other.to_owned())),
        }
    }
}

/// Where `backend` is: a PostgreSQL URL of a database the tests may create databases next
/// to, a Kafka bootstrap address, or a Redis URL. With containers, the first call in a
/// process starts the container (later ones wait for it and share it).
///
/// # Errors
/// A bad [`VARIABLE`], or a container that does not start. The native addresses are only
/// named here: whether something answers there is for the caller to find out.
pub async fn address(backend: Backend) -> Result<String, BackendError> {
    match Backends::from_env()? {
        Backends::Native => Ok(native::address(backend, |name| std::env::var(name).ok())),
        Backends::Containers => containers::address(backend).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable_picks_native_by_default_and_refuses_typos() {
        assert_eq!(Backends::parse(None).unwrap(), Backends::Native);
        assert_eq!(Backends::parse(Some("")).unwrap(), Backends::Native);
        assert_eq!(
            Backends::parse(Some("containers")).unwrap(),
            Backends::Containers
        );
        let error = Backends::parse(Some("container")).unwrap_err().to_string();
        assert!(
            error.contains("SAGA_TEST_BACKENDS=\"container\""),
            "{error}"
        );
    }
}
