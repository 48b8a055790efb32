//! The limits that keep one client, or many, from taking the gateway: a per-key token bucket,
//! a global cap on requests in flight, and server-side timeouts.

use std::num::NonZeroU32;
use std::time::Duration;

use super::{ConfigError, seconds};

/// Rate, concurrency and time limits, each from its `API_*` variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Requests per second each API key may sustain (`API_RATE_LIMIT_PER_SECOND`, 50).
    pub rate_per_second: NonZeroU32,
    /// Requests a key may send at once after being idle (`API_RATE_LIMIT_BURST`, 100).
    pub rate_burst: NonZeroU32,
    /// Order requests in flight across all clients before new ones get 503
    /// (`API_MAX_CONCURRENT_REQUESTS`, 256).
    pub max_concurrent: usize,
    /// Time a client has to send the request line and headers, after which the connection is
    /// closed (`API_HEADER_TIMEOUT_SECONDS`, 5).
    pub header_timeout: Duration,
    /// Longest pause while the body arrives before 408 (`API_BODY_TIMEOUT_SECONDS`, 5).
    pub body_timeout: Duration,
    /// Whole request, from its headers to its response, before 408
    /// (`API_REQUEST_TIMEOUT_SECONDS`, 15; must exceed `UPSTREAM_TIMEOUT_SECONDS`).
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            rate_per_second: NonZeroU32::new(50).expect("nonzero"),
            rate_burst: NonZeroU32::new(100).expect("nonzero"),
            max_concurrent: 256,
            header_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
        }
    }
}

impl Limits {
    pub(super) fn from_lookup(
        lookup: &impl Fn(&str) -> Option<String>,
        upstream_timeout: Duration,
    ) -> Result<Self, ConfigError> {
        let d = Self::default();
        let limits = Self {
            rate_per_second: count(lookup, "API_RATE_LIMIT_PER_SECOND", d.rate_per_second)?,
            rate_burst: count(lookup, "API_RATE_LIMIT_BURST", d.rate_burst)?,
            max_concurrent: count(
                lookup,
                "API_MAX_CONCURRENT_REQUESTS",
                NonZeroU32::new(d.max_concurrent as u32).expect("nonzero"),
            )?
            .get() as usize,
            header_timeout: secs(lookup, "API_HEADER_TIMEOUT_SECONDS", d.header_timeout)?,
            body_timeout: secs(lookup, "API_BODY_TIMEOUT_SECONDS", d.body_timeout)?,
            request_timeout: secs(lookup, "API_REQUEST_TIMEOUT_SECONDS", d.request_timeout)?,
        };
        if limits.request_timeout <= upstream_timeout {
            return Err(ConfigError {
                variable: "API_REQUEST_TIMEOUT_SECONDS",
                reason: format!(
                    "{:?} must be longer than UPSTREAM_TIMEOUT_SECONDS ({upstream_timeout:?}), \
                     or a slow Order API would answer 408 instead of 504",
                    limits.request_timeout
                ),
            });
        }
        Ok(limits)
    }
}

fn secs(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: Duration,
) -> Result<Duration, ConfigError> {
    seconds(lookup, variable, default.as_secs_f64())
}

fn count(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: NonZeroU32,
) -> Result<NonZeroU32, ConfigError> {
    let Some(text) = lookup(variable) else {
        return Ok(default);
    };
    text.trim().parse().map_err(|_| ConfigError {
        variable,
        reason: format!("{text:?} is not a whole number from 1 to {}", u32::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::table;
    use super::*;

    #[test]
    fn every_limit_is_configurable_and_checked() {
        let vars = [
            ("API_RATE_LIMIT_PER_SECOND", "10"),
            ("API_RATE_LIMIT_BURST", "20"),
            ("API_MAX_CONCURRENT_REQUESTS", "8"),
            ("API_HEADER_TIMEOUT_SECONDS", "1.5"),
            ("API_BODY_TIMEOUT_SECONDS", "2"),
            ("API_REQUEST_TIMEOUT_SECONDS", "6"),
        ];
        let limits = Limits::from_lookup(&table(&vars), Duration::from_secs(5)).unwrap();
        assert_eq!(limits.rate_per_second.get(), 10);
        assert_eq!(limits.rate_burst.get(), 20);
        assert_eq!(limits.max_concurrent, 8);
        assert_eq!(limits.header_timeout, Duration::from_millis(1500));
        assert_eq!(limits.body_timeout, Duration::from_secs(2));
        for (variable, bad) in [
            ("API_RATE_LIMIT_PER_SECOND", "0"),
            ("API_RATE_LIMIT_BURST", "-3"),
            ("API_MAX_CONCURRENT_REQUESTS", "many"),
            ("API_HEADER_TIMEOUT_SECONDS", "0"),
            ("API_REQUEST_TIMEOUT_SECONDS", "5"),
        ] {
            let error = Limits::from_lookup(&table(&[(variable, bad)]), Duration::from_secs(5));
            assert_eq!(error.unwrap_err().variable, variable, "{variable}={bad}");
        }
    }
}
