//! The gateway's one typed configuration, read once from the environment (names and defaults
//! in docs/configuration.md), failing fast with the variable's name.

mod keys;
mod limits;

use std::sync::Arc;
use std::time::Duration;

use http::Uri;
use saga_api::auth::ApiKeys;

pub use limits::Limits;

/// How the gateway behaves.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Base URL of the Order API (`ORDER_SERVICE_URL`).
    pub order_service_url: Uri,
    /// How long to wait for the Order API before answering 504 (`UPSTREAM_TIMEOUT_SECONDS`).
    pub upstream_timeout: Duration,
    /// Largest accepted request body, bytes.
    pub body_limit: usize,
    /// The accepted API keys; `None` when authentication is off (`API_AUTH=off`).
    pub api_keys: Option<Arc<ApiKeys>>,
    /// Rate, concurrency and time limits.
    pub limits: Limits,
}

/// The API keys alone, read as the gateway reads them (`API_AUTH`, `API_KEYS`,
/// `API_KEYS_FILE`): for tools that check an operator's key the gateway's way (`saga dlq`).
///
/// # Errors
/// As [`GatewayConfig::from_lookup`] for those variables.
pub fn api_keys_from_lookup(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<ApiKeys>, ConfigError> {
    keys::from_lookup(&lookup)
}

/// A configuration value that does not parse. Never contains a key or a hash.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

impl GatewayConfig {
    /// Reads the gateway's variables from the process environment.
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable that does not parse.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the gateway's variables through `lookup` (the environment, or a test's table),
    /// with the documented default for each one it does not supply.
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable that does not parse, or `API_KEYS` when
    /// authentication is on and no key is configured.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let url = lookup("ORDER_SERVICE_URL").unwrap_or("http://order-service:8000".into());
        let order_service_url: Uri = url.parse().map_err(|e| ConfigError {
            variable: "ORDER_SERVICE_URL",
            reason: format!("{url:?} is not a URL: {e}"),
        })?;
        if order_service_url.scheme_str() != Some("http") || order_service_url.host().is_none() {
            return Err(ConfigError {
                variable: "ORDER_SERVICE_URL",
                reason: format!("{url:?} must be http://host[:port]"),
            });
        }
        let upstream_timeout = seconds(&lookup, "UPSTREAM_TIMEOUT_SECONDS", 5.0)?;
        let limits = Limits::from_lookup(&lookup, upstream_timeout)?;
        Ok(Self {
            order_service_url,
            upstream_timeout,
            body_limit: saga_api::DEFAULT_BODY_LIMIT,
            api_keys: keys::from_lookup(&lookup)?.map(Arc::new),
            limits,
        })
    }
}

/// A positive number of seconds, `default` when unset.
fn seconds(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: f64,
) -> Result<Duration, ConfigError> {
    let Some(text) = lookup(variable) else {
        return Ok(Duration::from_secs_f64(default));
    };
    text.trim()
        .parse()
        .ok()
        .filter(|s: &f64| *s > 0.0 && s.is_finite() && *s < 1e9)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| ConfigError {
            variable,
            reason: format!("{text:?} is not a positive number of seconds"),
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A lookup over a fixed table: what the tests give instead of the environment.
    pub(crate) fn table<'a>(
        vars: &'a [(&'a str, &'a str)],
    ) -> impl Fn(&str) -> Option<String> + 'a {
        |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = GatewayConfig::from_lookup(table(&[("API_AUTH", "off")])).unwrap();
        assert_eq!(c.order_service_url, "http://order-service:8000");
        assert_eq!(c.upstream_timeout, Duration::from_secs(5));
        assert!(c.api_keys.is_none());
        assert_eq!(c.limits, Limits::default());
    }

    #[test]
    fn bad_values_name_their_variable() {
        let variable = |vars: &[(&str, &str)]| {
            let mut all = vec![("API_AUTH", "off")];
            all.extend_from_slice(vars);
            GatewayConfig::from_lookup(table(&all))
                .unwrap_err()
                .variable
        };
        assert_eq!(
            variable(&[("ORDER_SERVICE_URL", "nope")]),
            "ORDER_SERVICE_URL"
        );
        assert_eq!(
            variable(&[("UPSTREAM_TIMEOUT_SECONDS", "-1")]),
            "UPSTREAM_TIMEOUT_SECONDS"
        );
        let quarter = [("API_AUTH", "off"), ("UPSTREAM_TIMEOUT_SECONDS", "0.25")];
        let c = GatewayConfig::from_lookup(table(&quarter)).unwrap();
        assert_eq!(c.upstream_timeout, Duration::from_millis(250));
    }
}
