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

/// Where settings come from: the process environment, or a component's `Environment::var`.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment as a [`Lookup`].
pub fn process(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// `var` parsed, or `default` when unset.
///
/// # Errors
/// [`EnvError`] when it is set but does not parse as a non-negative integer.
pub fn number<T: FromStr>(var: &'static str, default: T) -> Result<T, EnvError> {
    number_in(&process, var, default)
}

/// [`number`] from `lookup`.
///
/// # Errors
/// As [`number`].
pub fn number_in<T: FromStr>(
    lookup: Lookup<'_>,
    var: &'static str,
    default: T,
) -> Result<T, EnvError> {
    match lookup(var) {
        None => Ok(default),
        Some(text) => text.trim().parse().map_err(|_| EnvError {
            var,
            reason: format!("expected a non-negative integer, got {text:?}"),
        }),
    }
}

/// [`seconds`] from `lookup`.
///
/// # Errors
/// As [`number`].
pub fn seconds_in(
    lookup: Lookup<'_>,
    var: &'static str,
    default: Duration,
) -> Result<Duration, EnvError> {
    number_in(lookup, var, default.as_secs()).map(Duration::from_secs)
}

/// `var` as whole milliseconds from `lookup`, or `default` when unset.
///
/// # Errors
/// As [`number`].
pub fn millis_in(
    lookup: Lookup<'_>,
    var: &'static str,
    default: Duration,
) -> Result<Duration, EnvError> {
    let default = u64::try_from(default.as_millis()).unwrap_or(u64::MAX);
    number_in(lookup, var, default).map(Duration::from_millis)
}

/// `var` as whole seconds, or `default` when unset.
///
/// # Errors
/// As [`number`].
pub fn seconds(var: &'static str, default: Duration) -> Result<Duration, EnvError> {
    number(var, default.as_secs()).map(Duration::from_secs)
}
