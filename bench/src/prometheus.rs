//! Reading the services' own figures from their `/metrics`: outbox lag (commit → publish) and
//! consumer lag.

use std::collections::BTreeMap;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use saga_runtime::net::{TcpDialer, http_client};

/// What one `/metrics` endpoint said.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scrape {
    pub url: String,
    /// Commit→publish lag of outbox rows, seconds (relay only).
    pub outbox_lag: Option<Histogram>,
    /// Consumer lag per component.
    pub consumer_lag: BTreeMap<String, f64>,
}

/// A Prometheus histogram as exposed: cumulative since the process started.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    pub sum: f64,
    pub count: f64,
    /// (upper bound, observations at or under it), ascending.
    pub buckets: Vec<(f64, f64)>,
}

impl Histogram {
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0.0).then(|| self.sum / self.count)
    }

    /// Upper bound of the bucket holding the 99th percentile.
    pub fn p99_bound(&self) -> Option<f64> {
        let target = self.count * 0.99;
        self.buckets
            .iter()
            .find(|(_, c)| *c >= target && self.count > 0.0)
            .map(|(b, _)| *b)
    }

    /// What was observed after `before` was read (the same series, read earlier).
    #[must_use]
    pub fn since(&self, before: &Histogram) -> Histogram {
        let earlier = |bound: f64| {
            before
                .buckets
                .iter()
                .find(|(b, _)| *b == bound)
                .map_or(0.0, |(_, c)| *c)
        };
        Histogram {
            sum: self.sum - before.sum,
            count: self.count - before.count,
            buckets: self
                .buckets
                .iter()
                .map(|(b, c)| (*b, c - earlier(*b)))
                .collect(),
        }
    }
}

impl Scrape {
    /// This scrape with the outbox lag narrowed to what happened after `before`: the figures
    /// of one load run, not of everything the relay did since it started.
    #[must_use]
    pub fn since(mut self, before: &Scrape) -> Scrape {
        if let (Some(now), Some(then)) = (&self.outbox_lag, &before.outbox_lag) {
            self.outbox_lag = Some(now.since(then));
        }
        self
    }
}

/// Scrapes one Prometheus text endpoint.
///
/// # Errors
/// When the endpoint cannot be reached or read.
pub async fn scrape(url: &str) -> anyhow::Result<Scrape> {
    let client = http_client(std::sync::Arc::new(TcpDialer));
    let request = http::Request::get(url).body(Full::<Bytes>::default())?;
    let response = client
        .request(request)
        .await
        .with_context(|| format!("scraping {url}"))?;
    let text = response.into_body().collect().await?.to_bytes();
    Ok(parse(url, &String::from_utf8_lossy(&text)))
}

fn parse(url: &str, text: &str) -> Scrape {
    let mut scrape = Scrape {
        url: url.to_owned(),
        ..Default::default()
    };
    let (mut sum, mut count, mut buckets) = (None, None, Vec::new());
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((name, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(value) = value.parse::<f64>() else {
            continue;
        };
        let lag = saga_runtime::metrics::OUTBOX_LAG;
        if name == format!("{lag}_sum") {
            sum = Some(value);
        } else if name == format!("{lag}_count") {
            count = Some(value);
        } else if let Some(le) = name.strip_prefix(&format!("{lag}_bucket{{le=\"")) {
            let bound = le
                .trim_end_matches("\"}")
                .parse::<f64>()
                .unwrap_or(f64::INFINITY);
            buckets.push((bound, value));
        } else if let Some(labels) =
            name.strip_prefix(&format!("{}{{", saga_runtime::metrics::CONSUMER_LAG))
        {
            let component = labels.split('"').nth(1).unwrap_or("?").to_owned();
            scrape.consumer_lag.insert(component, value);
        }
    }
    if let (Some(sum), Some(count)) = (sum, count) {
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        scrape.outbox_lag = Some(Histogram {
            sum,
            count,
            buckets,
        });
    }
    scrape
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_outbox_and_consumer_lag() {
        let text = "# TYPE x histogram\n\
            saga_outbox_publish_lag_seconds_bucket{le=\"0.005\"} 90\n\
            saga_outbox_publish_lag_seconds_bucket{le=\"0.01\"} 99\n\
            saga_outbox_publish_lag_seconds_bucket{le=\"+Inf\"} 100\n\
            saga_outbox_publish_lag_seconds_sum 0.4\n\
            saga_outbox_publish_lag_seconds_count 100\n\
            saga_consumer_lag{component=\"payment-worker\"} 3\n";
        let s = parse("u", text);
        let lag = s.outbox_lag.clone().unwrap();
        assert_eq!(lag.mean(), Some(0.004));
        assert_eq!(lag.p99_bound(), Some(0.01));
        assert_eq!(s.consumer_lag.get("payment-worker"), Some(&3.0));

        // Earlier, 89 fast observations: the run itself saw 1 fast, 9 slower, 1 slowest.
        let before = "saga_outbox_publish_lag_seconds_bucket{le=\"0.005\"} 89\n\
            saga_outbox_publish_lag_seconds_bucket{le=\"0.01\"} 89\n\
            saga_outbox_publish_lag_seconds_bucket{le=\"+Inf\"} 89\n\
            saga_outbox_publish_lag_seconds_sum 0.1\n\
            saga_outbox_publish_lag_seconds_count 89\n";
        let run = s.since(&parse("u", before)).outbox_lag.unwrap();
        assert_eq!(run.count, 11.0);
        assert!((run.mean().unwrap() - 0.3 / 11.0).abs() < 1e-12);
        assert_eq!(run.p99_bound(), Some(f64::INFINITY));
    }
}
