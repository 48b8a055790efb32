//! W3C `traceparent` at the HTTP edges: a request's hop continues the caller's trace when it
//! sent a well-formed one and starts a new trace otherwise; the hop's own context is what the
//! service passes on (to the Order API, into the outbox row).

use axum::http::{HeaderMap, HeaderValue};
use saga_core::TraceParent;
use saga_core::domain::TRACEPARENT_HEADER;
use saga_core::ports::Entropy;

/// This request's hop: a child of the incoming `traceparent`, or the root of a new trace.
/// A malformed header is ignored, as the specification asks (a new trace is started).
pub fn hop(headers: &HeaderMap, entropy: &dyn Entropy) -> TraceParent {
    match incoming(headers) {
        Some(parent) => entropy.child_span(&parent),
        None => entropy.new_trace(),
    }
}

/// The caller's well-formed `traceparent`: the parent of this request's hop.
pub fn incoming(headers: &HeaderMap) -> Option<TraceParent> {
    headers
        .get(TRACEPARENT_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|text| TraceParent::parse(text).ok())
}

/// The `traceparent` header that makes the next hop a child of `trace`.
pub fn header(trace: &TraceParent) -> (&'static str, HeaderValue) {
    let value = HeaderValue::from_str(&trace.to_string()).expect("a traceparent is plain ASCII");
    (TRACEPARENT_HEADER, value)
}

#[cfg(test)]
mod tests {
    use saga_core::ports::SeededEntropy;

    use super::*;

    fn headers(traceparent: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(TRACEPARENT_HEADER, traceparent.parse().unwrap());
        headers
    }

    #[test]
    fn a_well_formed_traceparent_is_continued_with_a_new_span() {
        let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let hop = hop(&headers(incoming), &SeededEntropy::new(1));
        let parent = TraceParent::parse(incoming).unwrap();
        assert_eq!(hop.trace_id(), parent.trace_id());
        assert_ne!(hop.span_id(), parent.span_id());
        assert_eq!(hop.flags(), parent.flags());
    }

    #[test]
    fn a_missing_or_malformed_traceparent_starts_a_new_trace() {
        let entropy = SeededEntropy::new(1);
        let malformed = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";
        let (a, b) = (
            hop(&HeaderMap::new(), &entropy),
            hop(&headers(malformed), &entropy),
        );
        assert_ne!(a.trace_id(), b.trace_id());
        assert_ne!(b.trace_id().to_string(), malformed[3..35].to_lowercase());
        let (name, value) = header(&a);
        assert_eq!(TraceParent::parse(value.to_str().unwrap()), Ok(a), "{name}");
    }
}
