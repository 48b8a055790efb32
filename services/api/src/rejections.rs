//! Requests refused before they reached a handler, counted by reason in
//! `saga_http_rejections_total{reason}` (`unauthorized`, `forbidden`, `rate_limited`,
//! `overloaded`, `request_timeout`, `body_timeout`, `header_timeout`).

/// The counter's name.
pub const METRIC: &str = "saga_http_rejections_total";

/// Counts one rejection.
pub fn count(reason: &'static str) {
    metrics::counter!(METRIC, "reason" => reason).increment(1);
}
