//! Span export through OpenTelemetry (OTLP over gRPC), configured by the standard `OTEL_*`
//! variables. Nothing is built unless an endpoint is set: until [`install`] succeeds every
//! span function here is one atomic load and returns a no-op, so the simulation (which never
//! installs it) draws nothing and exports nothing.
//!
//! The saga's own `traceparent` ids are the exported ids: a hop's span has the span id the
//! saga propagates and the incoming `traceparent`'s span as its parent, so a trace store's
//! parent/child links are the headers' links. Spans that propagate nothing (a database
//! transaction, a publish) are children of their hop with ids the SDK draws.

mod config;
mod span;
mod traced;

pub use config::{Exporter, OtelConfig, install, install_provider};
pub use span::{HopSpan, Kind, enabled, hop, within};
pub use traced::{TracedBus, TracedDeliveryStore, TracedOrderStore};
