//! One exported span, or nothing: [`HopSpan`] holds an SDK span only when export is installed,
//! and ends it when dropped.

use std::fmt::Display;

use opentelemetry::trace::{
    Span as _, SpanBuilder, SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags,
    TraceId, TraceState, Tracer as _,
};
use opentelemetry::{Context, KeyValue};
use saga_core::TraceParent;

use super::config::TRACER;

/// What a span is, in OpenTelemetry's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An HTTP request served.
    Server,
    /// A record published.
    Producer,
    /// A record consumed.
    Consumer,
    /// A database transaction, an operator's action.
    Internal,
}

impl From<Kind> for SpanKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Server => SpanKind::Server,
            Kind::Producer => SpanKind::Producer,
            Kind::Consumer => SpanKind::Consumer,
            Kind::Internal => SpanKind::Internal,
        }
    }
}

/// A span being recorded (exported when dropped), or nothing when export is not installed.
#[derive(Debug, Default)]
pub struct HopSpan(Option<opentelemetry_sdk::trace::Span>);

/// Whether spans are exported in this process: worth formatting a span's name for.
pub fn enabled() -> bool {
    TRACER.get().is_some()
}

/// The span of a hop whose id the saga propagates: `hop`'s span id, child of `parent` (the
/// incoming `traceparent`), or the root of `hop`'s trace when there was none.
pub fn hop(name: &str, kind: Kind, hop: TraceParent, parent: Option<TraceParent>) -> HopSpan {
    let Some(tracer) = TRACER.get() else {
        return HopSpan(None);
    };
    let builder = SpanBuilder::from_name(name.to_owned())
        .with_kind(kind.into())
        .with_trace_id(trace_id(hop))
        .with_span_id(SpanId::from_bytes(hop.span_id().as_u64().to_be_bytes()));
    let context = parent.map_or_else(Context::new, |p| {
        Context::new().with_remote_span_context(span_context(p))
    });
    HopSpan(Some(tracer.build_with_context(builder, &context)))
}

/// A span inside `parent`'s hop that propagates nothing (a transaction, a publish): its id is
/// the SDK's. Nothing when the work has no trace.
pub fn within(name: &str, kind: Kind, parent: Option<TraceParent>) -> HopSpan {
    let (Some(tracer), Some(parent)) = (TRACER.get(), parent) else {
        return HopSpan(None);
    };
    let builder = SpanBuilder::from_name(name.to_owned()).with_kind(kind.into());
    let context = Context::new().with_remote_span_context(span_context(parent));
    HopSpan(Some(tracer.build_with_context(builder, &context)))
}

impl HopSpan {
    /// Whether this span will be exported: worth computing an attribute for.
    pub fn is_recording(&self) -> bool {
        self.0.is_some()
    }

    /// Sets an attribute (formatted only when recording).
    pub fn attr(&mut self, key: &'static str, value: impl Display) {
        if let Some(span) = &mut self.0 {
            span.set_attribute(KeyValue::new(key, value.to_string()));
        }
    }

    /// Records how the work ended: `saga.outcome`, and an error status unless it is `ok`-like.
    pub fn outcome(&mut self, outcome: &str, failed: bool) {
        if let Some(span) = &mut self.0 {
            span.set_attribute(KeyValue::new("saga.outcome", outcome.to_owned()));
            if failed {
                span.set_status(Status::error(outcome.to_owned()));
            }
        }
    }

    /// Links this span to another trace's span (a replay to the operator's request).
    pub fn link(&mut self, to: TraceParent) {
        if let Some(span) = &mut self.0 {
            span.add_link(span_context(to), Vec::new());
        }
    }
}

fn trace_id(trace: TraceParent) -> TraceId {
    TraceId::from_bytes(trace.trace_id().as_u128().to_be_bytes())
}

fn span_context(parent: TraceParent) -> SpanContext {
    SpanContext::new(
        trace_id(parent),
        SpanId::from_bytes(parent.span_id().as_u64().to_be_bytes()),
        TraceFlags::new(parent.flags()),
        true,
        TraceState::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_export_a_span_records_nothing() {
        let trace = TraceParent::from_random_bits(7, 9);
        let mut span = hop("GET /", Kind::Server, trace.child(3), Some(trace));
        span.attr("saga.order_id", 1);
        span.outcome("ok", false);
        assert!(!span.is_recording());
        assert!(!within("db", Kind::Internal, Some(trace)).is_recording());
    }
}
