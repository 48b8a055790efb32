//! Typed settings from the environment, read once at start-up, failing with the variable's name.

use std::str::FromStr;
use std::time::Duration;

/// A setting that is malformed; names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct EnvError {
    pub var: &'static str,
    pub reason: String,
}

/// `var` parsed, or `default` when unset.
///
/// # Errors
/// [`EnvError`] when it is set but does not parse as a non-negative integer.
pub fn number<T: FromStr>(var: &'static str, default: T) -> Result<T, EnvError> {
    match std::env::var(var) {
        Err(_) => Ok(default),
        Ok(text) => text.trim().parse().map_err(|_| EnvError {
            var,
            reason: format!("expected a non-negative integer, got {text:?}"),
        }),
    }
}

/// `var` as whole seconds, or `default` when unset.
///
/// # Errors
/// As [`number`].
pub fn seconds(var: &'static str, default: Duration) -> Result<Duration, EnvError> {
    number(var, default.as_secs()).map(Duration::from_secs)
}
