//! The benchmark's figures as typed documents: what `saga-bench --json` and
//! `saga-bench relay --json` write, what `saga-bench summary` reads back, and the summary it
//! writes. Serialised and parsed only here, by serde: a renamed or missing field is an error
//! naming it, never a NaN.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// One load run (`saga-bench --json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadFigures {
    pub offered: usize,
    pub accepted: usize,
    pub terminal: usize,
    pub unfinished: usize,
    /// Non-202 answers by status (0 = gateway unreachable).
    pub http_errors: BTreeMap<u16, usize>,
    pub placing_seconds: f64,
    /// Terminal orders per second between the first commit and the last terminal update.
    pub orders_per_second: f64,
    /// Place → terminal.
    pub latency_ms: LatencyMs,
    /// What each scraped `/metrics` said about this run.
    pub metrics: Vec<MetricsFigures>,
}

/// Latency percentiles, milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct LatencyMs {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// One component's own lag figures over a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsFigures {
    pub url: String,
    pub outbox_lag_mean_ms: Option<f64>,
    /// Upper bound of the histogram bucket holding the 99th percentile.
    pub outbox_lag_p99_bound_ms: Option<f64>,
    pub consumer_lag: BTreeMap<String, f64>,
}

/// The relay alone (`saga-bench relay --json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelayFigures {
    pub events: usize,
    /// From the fill's commit until no unpublished row was left.
    pub seconds: f64,
    pub events_per_second: f64,
}

/// A figure file that cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum FiguresError {
    #[error("writing {path}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("reading {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("parsing {path}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// Writes `figures` to `path` as pretty JSON.
///
/// # Errors
/// [`FiguresError`] naming the file.
pub fn write(path: &Path, figures: &impl Serialize) -> Result<(), FiguresError> {
    let text = serde_json::to_string_pretty(figures).expect("figures serialise");
    std::fs::write(path, text + "\n").map_err(|source| FiguresError::Write {
        path: path.to_owned(),
        source,
    })
}

/// Reads figures of type `T` from `path`.
///
/// # Errors
/// [`FiguresError`] naming the file, and (in its source) the field missing or malformed.
pub fn read<T: DeserializeOwned>(path: &Path) -> Result<T, FiguresError> {
    let text = std::fs::read_to_string(path).map_err(|source| FiguresError::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| FiguresError::Parse {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_run_survives_the_round_trip_and_a_missing_field_is_named() {
        let figures = LoadFigures {
            offered: 10,
            accepted: 9,
            terminal: 9,
            unfinished: 0,
            http_errors: BTreeMap::from([(503, 1)]),
            placing_seconds: 0.5,
            orders_per_second: 18.0,
            latency_ms: LatencyMs {
                p50: 1.0,
                p95: 2.0,
                p99: 3.0,
                max: 4.0,
            },
            metrics: vec![MetricsFigures {
                url: "http://127.0.0.1:9101/metrics".into(),
                outbox_lag_mean_ms: Some(7.5),
                outbox_lag_p99_bound_ms: None,
                consumer_lag: BTreeMap::from([("payment-worker".into(), 0.0)]),
            }],
        };
        let dir = std::env::temp_dir().join(format!("figures-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("load.json");
        write(&path, &figures).unwrap();
        assert_eq!(read::<LoadFigures>(&path).unwrap(), figures);

        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("orders_per_second", "orders_per_sec")).unwrap();
        let error = read::<LoadFigures>(&path).unwrap_err();
        let cause = std::error::Error::source(&error).unwrap().to_string();
        assert!(
            cause.contains("missing field `orders_per_second`"),
            "{cause}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
