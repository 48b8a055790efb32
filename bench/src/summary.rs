//! The table `scripts/bench` prints: the saga at saturation and at half that rate, the
//! PostgreSQL ceiling measured in the same run, the relay alone, and each component's peak
//! memory; and the same figures as one typed document.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::figures::{LoadFigures, RelayFigures};

/// Every figure of one `scripts/bench` run. Load and relay figures are the documents
/// `saga-bench --json` and `saga-bench relay --json` wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Closed-loop sweep: (concurrency, orders/s).
    pub sweep: Vec<(usize, f64)>,
    pub saturation_concurrency: usize,
    pub saturation: LoadFigures,
    pub half_rate: f64,
    /// The half-rate runs (repeated: one stall of a shared machine can own a run's p99).
    pub half: Vec<LoadFigures>,
    /// pgbench sweep: (clients, orders/s).
    pub ceiling: Vec<(usize, f64)>,
    pub relay: RelayFigures,
    /// (component, peak resident set in kB).
    pub peak_rss_kb: Vec<(String, u64)>,
    /// (process, CPU milliseconds per order) over the saturation run: where the time goes.
    pub cpu_ms_per_order: Vec<(String, f64)>,
    /// Cores of the machine: with the CPU per order, the rate at which it runs out of CPU.
    pub cores: usize,
    /// What else ran on the machine: the load average before the run.
    pub machine: String,
}

/// The whole summary as `scripts/bench --out` writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryFigures {
    pub machine: String,
    pub saga_orders_per_second: f64,
    pub ceiling_orders_per_second: f64,
    pub ratio: f64,
    pub saturation: Saturation,
    pub half_rate: HalfRate,
    pub closed_loop_sweep: Vec<SweepPoint>,
    pub ceiling: Ceiling,
    pub relay_only: RelayFigures,
    pub peak_rss_mb: BTreeMap<String, f64>,
    pub cpu_at_saturation: CpuFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Saturation {
    pub concurrency: usize,
    pub report: LoadFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HalfRate {
    pub orders_per_second_offered: f64,
    pub median_by_p99: Option<LoadFigures>,
    pub runs: Vec<LoadFigures>,
}

/// One point of a sweep: concurrent clients (load generator or pgbench) and orders/s.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    #[serde(alias = "concurrency")]
    pub clients: usize,
    pub orders_per_second: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ceiling {
    pub clients: usize,
    pub sweep: Vec<SweepPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpuFigures {
    pub ms_per_order: BTreeMap<String, f64>,
    pub total_ms_per_order: f64,
    pub cores: usize,
    pub cpu_bound_orders_per_second: f64,
}

fn p99(run: &LoadFigures) -> f64 {
    run.latency_ms.p99
}

/// `N=RATE` pairs, space-separated.
fn points(points: &[(usize, f64)]) -> String {
    points
        .iter()
        .map(|(n, rate)| format!("{n}={rate:.0}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Summary {
    /// The best ceiling: (clients, orders/s).
    pub fn ceiling_best(&self) -> (usize, f64) {
        self.ceiling
            .iter()
            .copied()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, f64::NAN))
    }

    pub fn saga_orders_per_second(&self) -> f64 {
        self.saturation.orders_per_second
    }

    pub fn ratio(&self) -> f64 {
        self.saga_orders_per_second() / self.ceiling_best().1
    }

    /// The half-rate run with the median p99 (the first of two middles).
    pub fn half_median(&self) -> Option<&LoadFigures> {
        let mut runs: Vec<&LoadFigures> = self.half.iter().collect();
        runs.sort_by(|a, b| p99(a).total_cmp(&p99(b)));
        runs.get(runs.len().saturating_sub(1) / 2).copied()
    }

    pub fn cpu_ms_per_order_total(&self) -> f64 {
        self.cpu_ms_per_order.iter().map(|(_, ms)| ms).sum()
    }

    /// Orders/s at which every core would be busy, at the CPU cost per order measured.
    pub fn cpu_bound_orders_per_second(&self) -> f64 {
        self.cores as f64 * 1000.0 / self.cpu_ms_per_order_total()
    }

    /// The table, one line each.
    pub fn lines(&self) -> Vec<String> {
        let (clients, ceiling) = self.ceiling_best();
        let latency = |run: Option<&LoadFigures>| {
            let l = run.map(|r| r.latency_ms).unwrap_or_default();
            format!(
                "{:>7.1} {:>7.1} {:>7.1} {:>7.1}",
                l.p50, l.p95, l.p99, l.max
            )
        };
        let mut lines = vec![
            format!("machine: {}", self.machine),
            format!(
                "closed-loop sweep (concurrency=orders/s): {}",
                points(&self.sweep)
            ),
            format!(
                "pgbench sweep (clients=orders/s): {}",
                points(&self.ceiling)
            ),
            String::new(),
            format!("{:<44} {:>10}", "figure", "value"),
            format!(
                "{:<44} {:>10.0}",
                format!(
                    "saga orders/s (closed loop, {} clients)",
                    self.saturation_concurrency
                ),
                self.saga_orders_per_second()
            ),
            format!(
                "{:<44} {:>10.0}",
                format!("PostgreSQL ceiling orders/s ({clients} clients)"),
                ceiling
            ),
            format!("{:<44} {:>9.1}%", "saga / ceiling", self.ratio() * 100.0),
            format!(
                "{:<44} {:>10.0}",
                "relay only events/s", self.relay.events_per_second
            ),
            String::new(),
            format!(
                "{:<30} {:>7} {:>7} {:>7} {:>7}",
                "place->terminal (ms)", "p50", "p95", "p99", "max"
            ),
            format!(
                "{:<30} {}",
                "at saturation",
                latency(Some(&self.saturation))
            ),
            format!(
                "{:<30} {}",
                format!("at half rate ({:.0}/s open)", self.half_rate),
                latency(self.half_median())
            ),
            format!(
                "  (median of {} half-rate runs by p99; their p99s: {})",
                self.half.len(),
                self.half
                    .iter()
                    .map(|run| format!("{:.1}", p99(run)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            String::new(),
            format!("{:<30} {:>10}", "peak RSS (VmHWM)", "MB"),
        ];
        for (component, kb) in &self.peak_rss_kb {
            lines.push(format!("{component:<30} {:>10.1}", *kb as f64 / 1024.0));
        }
        if !self.cpu_ms_per_order.is_empty() {
            lines.push(String::new());
            lines.push(format!(
                "{:<30} {:>10}",
                "CPU per order at saturation", "ms"
            ));
            for (process, ms) in &self.cpu_ms_per_order {
                lines.push(format!("{process:<30} {ms:>10.3}"));
            }
            lines.push(format!(
                "{:<30} {:>10.3}  ({} cores are all busy at {:.0} orders/s)",
                "total",
                self.cpu_ms_per_order_total(),
                self.cores,
                self.cpu_bound_orders_per_second()
            ));
        }
        lines
    }

    /// The same figures as a typed document.
    pub fn figures(&self) -> SummaryFigures {
        let (clients, ceiling) = self.ceiling_best();
        let points = |v: &[(usize, f64)]| {
            v.iter()
                .map(|&(clients, orders_per_second)| SweepPoint {
                    clients,
                    orders_per_second,
                })
                .collect()
        };
        SummaryFigures {
            machine: self.machine.clone(),
            saga_orders_per_second: self.saga_orders_per_second(),
            ceiling_orders_per_second: ceiling,
            ratio: self.ratio(),
            saturation: Saturation {
                concurrency: self.saturation_concurrency,
                report: self.saturation.clone(),
            },
            half_rate: HalfRate {
                orders_per_second_offered: self.half_rate,
                median_by_p99: self.half_median().cloned(),
                runs: self.half.clone(),
            },
            closed_loop_sweep: points(&self.sweep),
            ceiling: Ceiling {
                clients,
                sweep: points(&self.ceiling),
            },
            relay_only: self.relay.clone(),
            peak_rss_mb: self
                .peak_rss_kb
                .iter()
                .map(|(c, kb)| (c.clone(), *kb as f64 / 1024.0))
                .collect(),
            cpu_at_saturation: CpuFigures {
                ms_per_order: self.cpu_ms_per_order.iter().cloned().collect(),
                total_ms_per_order: self.cpu_ms_per_order_total(),
                cores: self.cores,
                cpu_bound_orders_per_second: self.cpu_bound_orders_per_second(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::LatencyMs;

    fn run(orders_per_second: f64, p99: f64) -> LoadFigures {
        LoadFigures {
            offered: 1,
            accepted: 1,
            terminal: 1,
            unfinished: 0,
            http_errors: BTreeMap::new(),
            placing_seconds: 1.0,
            orders_per_second,
            latency_ms: LatencyMs {
                p50: 10.0,
                p99,
                ..Default::default()
            },
            metrics: Vec::new(),
        }
    }

    #[test]
    fn ratio_uses_the_best_ceiling() {
        let summary = Summary {
            sweep: vec![(8, 250.0), (16, 300.0)],
            saturation_concurrency: 16,
            saturation: run(300.0, 50.0),
            half_rate: 150.0,
            half: [40.0, 90.0, 30.0].map(|p| run(150.0, p)).to_vec(),
            ceiling: vec![(4, 500.0), (16, 1000.0), (32, 900.0)],
            relay: RelayFigures {
                events: 10,
                seconds: 1.0,
                events_per_second: 10.0,
            },
            peak_rss_kb: vec![("gateway".into(), 10240)],
            cpu_ms_per_order: vec![("order-api".into(), 0.5), ("postgres".into(), 1.5)],
            cores: 2,
            machine: String::new(),
        };
        assert_eq!(summary.ceiling_best(), (16, 1000.0));
        assert!((summary.ratio() - 0.3).abs() < 1e-9);
        let figures = summary.figures();
        assert_eq!(figures.peak_rss_mb["gateway"], 10.0);
        assert_eq!(figures.ceiling.clients, 16);
        assert!(summary.lines().iter().any(|l| l.contains("30.0%")));
        assert_eq!(summary.half_median().map(p99), Some(40.0));
        assert!((summary.cpu_bound_orders_per_second() - 1000.0).abs() < 1e-9);
        assert!(
            summary
                .lines()
                .iter()
                .any(|l| l.contains("busy at 1000 orders/s"))
        );
        let json = serde_json::to_string(&figures).unwrap();
        let back: SummaryFigures = serde_json::from_str(&json).unwrap();
        assert_eq!(back, figures);
    }
}
