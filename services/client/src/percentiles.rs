//! Latency percentiles.

use std::time::Duration;

/// Percentiles of a set of durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Percentiles {
    pub count: usize,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Percentiles {
    /// Nearest-rank percentiles; all zero for no samples.
    pub fn of(mut samples: Vec<Duration>) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        samples.sort_unstable();
        let rank = |p: f64| {
            let index = ((p / 100.0) * samples.len() as f64).ceil() as usize;
            samples[index.clamp(1, samples.len()) - 1]
        };
        Self {
            count: samples.len(),
            p50: rank(50.0),
            p95: rank(95.0),
            p99: rank(99.0),
            max: samples[samples.len() - 1],
        }
    }
}

/// Milliseconds with one decimal, for tables.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let samples = (1..=100).map(Duration::from_millis).collect();
        let p = Percentiles::of(samples);
        assert_eq!(
            (p.p50, p.p95, p.p99, p.max),
            (
                Duration::from_millis(50),
                Duration::from_millis(95),
                Duration::from_millis(99),
                Duration::from_millis(100)
            )
        );
        assert_eq!(Percentiles::of(vec![]).count, 0);
        assert_eq!(
            Percentiles::of(vec![Duration::from_millis(7)]).p99,
            Duration::from_millis(7)
        );
    }
}
