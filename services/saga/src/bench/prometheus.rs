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
    /// Mean commit→publish lag of outbox rows, seconds (relay only).
    pub outbox_lag_mean: Option<f64>,
    /// Upper bound of the bucket holding the 99th percentile of outbox lag, seconds.
    pub outbox_lag_p99_bound: Option<f64>,
    /// Consumer lag per component.
    pub consumer_lag: BTreeMap<String, f64>,
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
        scrape.outbox_lag_mean = (count > 0.0).then(|| sum / count);
        let target = count * 0.99;
        scrape.outbox_lag_p99_bound = buckets
            .iter()
            .find(|(_, c)| *c >= target && count > 0.0)
            .map(|(b, _)| *b);
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
        assert_eq!(s.outbox_lag_mean, Some(0.004));
        assert_eq!(s.outbox_lag_p99_bound, Some(0.01));
        assert_eq!(s.consumer_lag.get("payment-worker"), Some(&3.0));
    }
}
