//! Plumbing every saga component shares. The network edges are injected: real processes pass
//! TCP listeners and [`net::TcpDialer`], the simulation passes turmoil's, through the very same
//! parameters, so service code never knows which world it runs in.

pub mod backoff;
pub mod component;
pub mod consumer;
pub mod correlation;
pub mod dlq;
pub mod env;
pub mod health;
pub mod metrics;
pub mod net;
pub mod ops;
pub mod otel;
pub mod schema;
pub mod serve;
pub mod shutdown;
pub mod telemetry;
pub mod trace_context;

pub use axum::serve::Listener;
pub use tokio_util::sync::CancellationToken;
