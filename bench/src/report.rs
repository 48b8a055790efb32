//! A load run's figures, for the terminal and as a typed document.

use std::collections::BTreeMap;

use crate::figures::{LatencyMs, LoadFigures, MetricsFigures};
use crate::{Histogram, Scrape};
use saga_client::percentiles::{Percentiles, ms};

/// The figures of one load run.
#[derive(Debug, Clone)]
pub struct BenchReport {
    pub offered: usize,
    pub accepted: usize,
    pub terminal: usize,
    pub unfinished: usize,
    /// Non-202 answers by status (0 = gateway unreachable).
    pub http_errors: BTreeMap<u16, usize>,
    pub placing_seconds: f64,
    /// Terminal orders per second between the first commit and the last terminal update.
    pub orders_per_second: f64,
    pub latency: Percentiles,
    pub scrapes: Vec<Scrape>,
}

impl BenchReport {
    /// Human-readable lines.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![
            format!(
                "orders: offered {}, accepted {}, terminal {}, unfinished {}",
                self.offered, self.accepted, self.terminal, self.unfinished
            ),
            format!(
                "throughput: {:.0} orders/s end to end (placing took {:.2}s)",
                self.orders_per_second, self.placing_seconds
            ),
            format!(
                "place -> terminal: p50 {}, p95 {}, p99 {}, max {}",
                ms(self.latency.p50),
                ms(self.latency.p95),
                ms(self.latency.p99),
                ms(self.latency.max)
            ),
            format!("http errors: {:?}", self.http_errors),
        ];
        for s in &self.scrapes {
            if let Some(mean) = s.outbox_lag.as_ref().and_then(Histogram::mean) {
                let p99 = s
                    .outbox_lag
                    .as_ref()
                    .and_then(Histogram::p99_bound)
                    .map_or("-".into(), |b| format!("<= {:.1} ms", b * 1000.0));
                lines.push(format!(
                    "outbox lag (commit -> publish): mean {:.1} ms, p99 {p99}",
                    mean * 1000.0
                ));
            }
            for (component, lag) in &s.consumer_lag {
                lines.push(format!(
                    "consumer lag (re-read every 5 s): {component} {lag}"
                ));
            }
        }
        lines
    }

    /// The same figures as a typed document (`saga-bench --json`).
    pub fn figures(&self) -> LoadFigures {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        LoadFigures {
            offered: self.offered,
            accepted: self.accepted,
            terminal: self.terminal,
            unfinished: self.unfinished,
            http_errors: self.http_errors.clone(),
            placing_seconds: self.placing_seconds,
            orders_per_second: self.orders_per_second,
            latency_ms: LatencyMs {
                p50: ms(self.latency.p50),
                p95: ms(self.latency.p95),
                p99: ms(self.latency.p99),
                max: ms(self.latency.max),
            },
            metrics: self
                .scrapes
                .iter()
                .map(|s| MetricsFigures {
                    url: s.url.clone(),
                    outbox_lag_mean_ms: s
                        .outbox_lag
                        .as_ref()
                        .and_then(Histogram::mean)
                        .map(|m| m * 1000.0),
                    outbox_lag_p99_bound_ms: s
                        .outbox_lag
                        .as_ref()
                        .and_then(Histogram::p99_bound)
                        .map(|m| m * 1000.0),
                    consumer_lag: s.consumer_lag.clone(),
                })
                .collect(),
        }
    }
}
