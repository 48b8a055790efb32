//! `X-Correlation-ID`: taken from the request when well formed, generated otherwise, echoed
//! on the response, and recorded on the request's span so every log line carries it. The
//! request's W3C trace hop ([`crate::trace_context::hop`]) is made here too, put in the
//! request extensions beside the correlation id, and its trace id recorded on the span.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use saga_core::ports::Entropy;
use saga_core::{CorrelationId, TraceParent};
use tracing::Instrument;

use crate::otel;

/// The header name, as clients send it.
pub const HEADER: &str = "x-correlation-id";

/// Middleware state: where fresh ids come from, and which component logs.
#[derive(Clone)]
pub struct CorrelationLayer {
    pub entropy: Arc<dyn Entropy>,
    pub component: &'static str,
}

/// The middleware: put a [`CorrelationId`] in the request extensions, run the rest of the
/// stack inside a span carrying it, echo it on the response, and count the request.
pub async fn middleware(
    State(layer): State<CorrelationLayer>,
    mut request: Request,
    next: Next,
) -> Response {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(CorrelationId::parse)
        .unwrap_or_else(|| layer.entropy.correlation_id());
    let trace = crate::trace_context::hop(request.headers(), layer.entropy.as_ref());
    let mut exported = server_span(&request, &layer, trace, &id);
    request.extensions_mut().insert(id.clone());
    request.extensions_mut().insert(trace);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let trace_id = trace.trace_id();
    let span = tracing::info_span!("request", component = layer.component, correlation_id = %id, %trace_id, %method, %path);
    let started = tokio::time::Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    exported.attr("http.response.status_code", status);
    exported.outcome(response.status().as_str(), status >= 500);
    span.in_scope(|| tracing::debug!(status, "request finished"));
    let labels = [
        ("component", layer.component.to_owned()),
        ("status", status.to_string()),
    ];
    metrics::counter!(crate::metrics::HTTP_REQUESTS, &labels).increment(1);
    metrics::histogram!(crate::metrics::HTTP_LATENCY, "component" => layer.component)
        .record(started.elapsed().as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// The request's exported span: the hop's span id, child of the caller's `traceparent`.
fn server_span(
    request: &Request,
    layer: &CorrelationLayer,
    trace: TraceParent,
    id: &CorrelationId,
) -> otel::HopSpan {
    // Probes are not the saga's work: a trace for each would bury the orders' traces.
    let probe = matches!(request.uri().path(), "/health" | "/ready" | "/metrics");
    if probe || !otel::enabled() {
        return otel::HopSpan::default();
    }
    let parent = crate::trace_context::incoming(request.headers());
    let name = format!("{} {}", request.method(), request.uri().path());
    let mut span = otel::hop(&name, otel::Kind::Server, trace, parent);
    span.attr("saga.component", layer.component);
    span.attr("saga.correlation_id", id);
    span.attr("http.request.method", request.method());
    span.attr("url.path", request.uri().path());
    span
}
