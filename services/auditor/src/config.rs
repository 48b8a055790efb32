//! The auditor's settings, each from its variable with a default: `AUDIT_INTERVAL_MS` (500),
//! how often it reads the stores forward; `AUDIT_PAGE` (1,000), rows a read asks for;
//! `AUDIT_CAPACITY` (100,000), orders judged at once (the oldest are forgotten past it);
//! `AUDIT_WINDOW` (1,000), ids re-read behind each cursor for rows that committed late.

use std::time::Duration;

/// How the auditor behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditorConfig {
    pub interval: Duration,
    pub page: usize,
    pub capacity: usize,
    pub window: i64,
    /// Its consumer group on `payments`.
    pub group: String,
}

impl Default for AuditorConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_millis(500),
            page: 1_000,
            capacity: 100_000,
            window: 1_000,
            group: "auditor".into(),
        }
    }
}

/// A setting that does not parse, with its variable's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

impl AuditorConfig {
    /// Reads the settings through `lookup` (the process environment, or a fixed table).
    ///
    /// # Errors
    /// [`ConfigError`] naming a variable that is not a positive whole number.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let number = |variable: &'static str, default: u64| match lookup(variable) {
            None => Ok(default),
            Some(text) => match text.trim().parse::<u64>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(ConfigError {
                    variable,
                    reason: format!("{text:?} is not a positive whole number"),
                }),
            },
        };
        let default = Self::default();
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Ok(Self {
            interval: Duration::from_millis(number("AUDIT_INTERVAL_MS", 500)?),
            page: size(number("AUDIT_PAGE", 1_000)?),
            capacity: size(number("AUDIT_CAPACITY", 100_000)?),
            window: i64::try_from(number("AUDIT_WINDOW", 1_000)?).unwrap_or(i64::MAX),
            group: default.group,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_an_error_that_names_the_variable() {
        assert_eq!(
            AuditorConfig::from_lookup(|_| None).unwrap(),
            AuditorConfig::default()
        );
        let error = AuditorConfig::from_lookup(|v| (v == "AUDIT_PAGE").then(|| "0".into()));
        assert_eq!(error.unwrap_err().variable, "AUDIT_PAGE");
    }
}
