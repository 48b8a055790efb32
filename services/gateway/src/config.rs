//! Gateway configuration, from the environment names of DESIGN §2.

use std::time::Duration;

use http::Uri;

/// How the gateway behaves.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Base URL of the Order API (`ORDER_SERVICE_URL`).
    pub order_service_url: Uri,
    /// How long to wait for the Order API before answering 504 (`UPSTREAM_TIMEOUT_SECONDS`).
    pub upstream_timeout: Duration,
    /// Largest accepted request body, bytes.
    pub body_limit: usize,
}

/// A configuration value that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

impl GatewayConfig {
    /// Defaults of DESIGN §2 for everything not given.
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable when `url` or `timeout_seconds` do not parse.
    pub fn parse(url: Option<&str>, timeout_seconds: Option<&str>) -> Result<Self, ConfigError> {
        let url = url.unwrap_or("http://order-service:8000");
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
        let seconds = timeout_seconds.unwrap_or("5");
        let timeout: f64 = seconds
            .parse()
            .ok()
            .filter(|s: &f64| *s > 0.0 && s.is_finite())
            .ok_or_else(|| ConfigError {
                variable: "UPSTREAM_TIMEOUT_SECONDS",
                reason: format!("{seconds:?} is not a positive number"),
            })?;
        Ok(Self {
            order_service_url,
            upstream_timeout: Duration::from_secs_f64(timeout),
            body_limit: saga_api::DEFAULT_BODY_LIMIT,
        })
    }

    /// Reads `ORDER_SERVICE_URL` and `UPSTREAM_TIMEOUT_SECONDS`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable that does not parse.
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |name| std::env::var(name).ok();
        Self::parse(
            var("ORDER_SERVICE_URL").as_deref(),
            var("UPSTREAM_TIMEOUT_SECONDS").as_deref(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_design() {
        let c = GatewayConfig::parse(None, None).unwrap();
        assert_eq!(c.order_service_url, "http://order-service:8000");
        assert_eq!(c.upstream_timeout, Duration::from_secs(5));
    }

    #[test]
    fn bad_values_name_their_variable() {
        assert_eq!(
            GatewayConfig::parse(Some("nope"), None)
                .unwrap_err()
                .variable,
            "ORDER_SERVICE_URL"
        );
        assert_eq!(
            GatewayConfig::parse(None, Some("-1")).unwrap_err().variable,
            "UPSTREAM_TIMEOUT_SECONDS"
        );
        assert_eq!(
            GatewayConfig::parse(None, Some("0.25"))
                .unwrap()
                .upstream_timeout,
            Duration::from_millis(250)
        );
    }
}
