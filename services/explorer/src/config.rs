//! The explorer's settings: `EXPLORER_STUCK_AFTER_SECONDS` (30), when a PENDING order counts as
//! stuck, and `EXPLORER_REFRESH_SECONDS` (3), how often pages refresh themselves and the
//! longest the explorer reuses one read of the saga's state; `EXPLORER_STALE_AFTER_SECONDS`
//! (30), how long without a good read before `/health` answers 503;
//! `SAGA_REPUBLISH_MAX_AGE_SECONDS` (86400), the oldest dead letter a replay may re-publish.

use std::time::Duration;

/// How the explorer behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplorerConfig {
    pub stuck_after: Duration,
    pub refresh: Duration,
    pub stale_after: Duration,
    pub republish_max_age: Duration,
}

impl Default for ExplorerConfig {
    fn default() -> Self {
        Self {
            stuck_after: Duration::from_secs(30),
            refresh: Duration::from_secs(3),
            stale_after: Duration::from_secs(30),
            republish_max_age: saga_core::redelivery::DEFAULT_REPUBLISH_MAX_AGE,
        }
    }
}

/// A setting that does not parse, with the variable's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

impl ExplorerConfig {
    /// Reads the settings through `lookup` (the process environment, or a fixed table).
    ///
    /// # Errors
    /// [`ConfigError`] naming a variable that is not a positive whole number of seconds.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let seconds = |variable: &'static str, default: Duration| match lookup(variable) {
            None => Ok(default),
            Some(text) => match text.trim().parse::<u64>() {
                Ok(n) if n > 0 => Ok(Duration::from_secs(n)),
                _ => Err(ConfigError {
                    variable,
                    reason: format!("{text:?} is not a positive whole number of seconds"),
                }),
            },
        };
        let default = Self::default();
        Ok(Self {
            stuck_after: seconds("EXPLORER_STUCK_AFTER_SECONDS", default.stuck_after)?,
            refresh: seconds("EXPLORER_REFRESH_SECONDS", default.refresh)?,
            stale_after: seconds("EXPLORER_STALE_AFTER_SECONDS", default.stale_after)?,
            republish_max_age: seconds(
                "SAGA_REPUBLISH_MAX_AGE_SECONDS",
                default.republish_max_age,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors_name_the_variable() {
        assert_eq!(
            ExplorerConfig::from_lookup(|_| None).unwrap(),
            ExplorerConfig::default()
        );
        let set = ExplorerConfig::from_lookup(|v| {
            (v == "EXPLORER_STUCK_AFTER_SECONDS").then(|| "5".into())
        });
        assert_eq!(set.unwrap().stuck_after, Duration::from_secs(5));
        let bad =
            ExplorerConfig::from_lookup(|v| (v == "EXPLORER_REFRESH_SECONDS").then(|| "0".into()));
        assert_eq!(bad.unwrap_err().variable, "EXPLORER_REFRESH_SECONDS");
    }
}
