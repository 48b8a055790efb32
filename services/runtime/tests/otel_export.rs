//! Exported spans carry the saga's own ids: a hop's span has the span id the hop propagates
//! and the caller's as its parent; a span that propagates nothing hangs under its hop; a link
//! names the other trace's span. (Its own test binary: the exporter is process-wide.)

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use saga_core::TraceParent;
use saga_runtime::otel::{self, Kind};

fn span_id(id: u64) -> SpanId {
    SpanId::from_bytes(id.to_be_bytes())
}

fn named<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans.iter().find(|s| s.name == name).unwrap()
}

#[test]
fn spans_are_exported_with_the_ids_the_headers_carry() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    otel::install_provider(&provider);
    let caller = TraceParent::from_random_bits(0xabc, 0x11);
    let hop = caller.child(0x22);
    let operator = TraceParent::from_random_bits(0xdef, 0x33);
    {
        let mut server = otel::hop("POST /place-order", Kind::Server, hop, Some(caller));
        server.attr("saga.order_id", 7);
        let _db = otel::within("db create order", Kind::Internal, Some(hop));
        let mut replay = otel::within("dlq replay", Kind::Internal, Some(hop));
        replay.link(operator);
    }
    let _untraced = otel::within("db create order", Kind::Internal, None);
    let spans = exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 3, "{spans:#?}");

    let server = named(&spans, "POST /place-order");
    let trace = TraceId::from_bytes(0xabc_u128.to_be_bytes());
    assert_eq!(server.span_context.trace_id(), trace);
    assert_eq!(server.span_context.span_id(), span_id(0x22));
    assert_eq!(server.parent_span_id, span_id(0x11));
    assert!(
        server
            .attributes
            .iter()
            .any(|kv| kv.key.as_str() == "saga.order_id")
    );

    let db = named(&spans, "db create order");
    assert_eq!(db.span_context.trace_id(), trace);
    assert_eq!(db.parent_span_id, span_id(0x22));
    assert_ne!(db.span_context.span_id(), span_id(0x22));

    let replay = named(&spans, "dlq replay");
    let link = &replay.links.links[0].span_context;
    assert_eq!(
        link.trace_id(),
        TraceId::from_bytes(0xdef_u128.to_be_bytes())
    );
    assert_eq!(link.span_id(), span_id(0x33));
}
