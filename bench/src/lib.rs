//! The load generator behind `saga-bench`: places orders through the gateway (closed loop, or
//! open loop at a fixed rate), follows each to its terminal state, and reports throughput,
//! place→terminal latency, HTTP errors and the services' own lag metrics. Also the relay-only
//! run ([`outbox_drain`]) and the table of `scripts/bench` ([`summary`]).
//!
//! Latency and throughput come from the orders' server-side timestamps (`created_at` when the
//! Order API committed it, `updated_at` when the status worker finished it), so the follow-up
//! reads that discover the outcome do not distort them.

pub mod figures;
mod load;
pub mod outbox_drain;
mod prometheus;
mod report;
pub mod summary;

pub use load::{LoadPlan, Pace, run};
pub use prometheus::{Histogram, Scrape, scrape};
pub use report::BenchReport;
