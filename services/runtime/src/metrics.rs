//! Prometheus metrics: one recorder per process, installed on first use, rendered by every
//! component's `/metrics`. Metric names are listed here so operators find them in one place.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const HTTP_REQUESTS: &str = "saga_http_requests_total";
pub const HTTP_LATENCY: &str = "saga_http_request_duration_seconds";
pub const ORDERS_CREATED: &str = "saga_orders_created_total";
pub const EVENTS_PUBLISHED: &str = "saga_events_published_total";
pub const EVENTS_CONSUMED: &str = "saga_events_consumed_total";
pub const DLQ_WRITES: &str = "saga_dlq_events_total";
pub const DEAD_LETTERS_KEPT: &str = "saga_dead_letters_kept_total";
pub const OUTBOX_BACKLOG: &str = "saga_outbox_backlog";
pub const OUTBOX_OLDEST_AGE: &str = "saga_outbox_oldest_unpublished_age_seconds";
pub const OUTBOX_LAG: &str = "saga_outbox_publish_lag_seconds";
pub const CONSUMER_LAG: &str = "saga_consumer_lag";
pub const PAYMENT_DECISIONS: &str = "saga_payment_decisions_total";
pub const STATUS_UPDATES: &str = "saga_status_updates_total";
pub const DELIVERIES: &str = "saga_deliveries_total";
pub const ORDERS_STUCK: &str = "saga_orders_stuck";
pub const ORDERS_REDRIVEN: &str = "saga_orders_redriven_total";
pub const RETENTION_PRUNED: &str = "saga_retention_pruned_total";
/// Retention passes that left processed events unpruned: their window no longer covers the
/// topic's redelivery window, or the window could not be read.
pub const RETENTION_SUSPENDED: &str = "saga_retention_suspended_total";
/// Orders that reached a terminal status, by `status` (the order-status worker applies it).
pub const ORDERS_TERMINAL: &str = "saga_orders_terminal_total";
/// Seconds from an order's placing to its terminal status (the auditor measures it).
pub const PLACE_TO_TERMINAL: &str = "saga_order_place_to_terminal_seconds";

/// Place→terminal takes a saga's round trip, and minutes when an order waits for a re-drive:
/// its buckets reach further than the request latencies' ones.
const PLACE_TO_TERMINAL_BUCKETS: &[f64] = &[
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide Prometheus recorder (once) and returns its handle; `None` when
/// another recorder was installed first (then `/metrics` renders nothing).
pub fn prometheus() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
                ])
                .expect("static buckets are valid")
                .set_buckets_for_metric(
                    Matcher::Full(PLACE_TO_TERMINAL.to_owned()),
                    PLACE_TO_TERMINAL_BUCKETS,
                )
                .expect("static buckets are valid");
            builder.install_recorder().ok()
        })
        .clone()
}

/// The text exposition of every metric recorded in this process.
pub fn render() -> String {
    prometheus().map(|h| h.render()).unwrap_or_default()
}
