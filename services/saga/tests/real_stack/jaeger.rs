//! Jaeger's query API as the tests read it: one trace's spans with their services, parents,
//! links and tags. Where Jaeger is comes from `scripts/stack env` (JAEGER_QUERY_URL,
//! JAEGER_OTLP_ENDPOINT) with the defaults of `scripts/stack up jaeger`; a Jaeger that does not
//! answer skips the test locally and fails it in CI.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::PATIENCE;

pub struct Jaeger {
    query: SocketAddr,
    /// Where the components export (OTEL_EXPORTER_OTLP_ENDPOINT).
    pub otlp: String,
}

/// One exported span as Jaeger keeps it.
#[derive(Debug, Clone)]
pub struct Span {
    pub id: String,
    pub service: String,
    pub operation: String,
    /// The CHILD_OF reference: the parent's span id.
    pub parent: Option<String>,
    /// FOLLOWS_FROM references (OpenTelemetry links): (trace id, span id).
    pub links: Vec<(String, String)>,
    pub tags: BTreeMap<String, String>,
}

/// Jaeger when its query API answers; `None` (skip) or a panic under CI otherwise.
pub async fn available() -> Option<Jaeger> {
    let url = std::env::var("JAEGER_QUERY_URL").unwrap_or_else(|_| "http://127.0.0.1:16686".into());
    let otlp =
        std::env::var("JAEGER_OTLP_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:4317".into());
    let query: SocketAddr = url
        .trim_start_matches("http://")
        .parse()
        .expect("JAEGER_QUERY_URL");
    let jaeger = Jaeger { query, otlp };
    match jaeger.get("/api/services").await {
        Some(_) => Some(jaeger),
        None => saga_contract::backend::unavailable("Jaeger", &url, &"no answer"),
    }
}

impl Jaeger {
    /// Polls trace `trace_id` until `done` holds for its spans, for up to the tests' patience.
    pub async fn await_trace(&self, trace_id: &str, done: impl Fn(&[Span]) -> bool) -> Vec<Span> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let spans = self.trace(trace_id).await;
            if done(&spans) {
                return spans;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "trace {trace_id} never had what was awaited: {spans:#?}"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// The spans Jaeger holds for `trace_id` (none when it has not seen the trace yet).
    pub async fn trace(&self, trace_id: &str) -> Vec<Span> {
        let Some(body) = self.get(&format!("/api/traces/{trace_id}")).await else {
            return Vec::new();
        };
        let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let Some(trace) = json["data"].get(0) else {
            return Vec::new();
        };
        let processes = &trace["processes"];
        let spans = trace["spans"].as_array().cloned().unwrap_or_default();
        spans.iter().map(|s| span(s, processes)).collect()
    }

    /// The body of `GET path`; HTTP/1.0, so the answer is not chunked.
    async fn get(&self, path: &str) -> Option<String> {
        let exchange = async {
            let mut stream = TcpStream::connect(self.query).await.ok()?;
            let request = format!("GET {path} HTTP/1.0\r\nHost: {}\r\n\r\n", self.query);
            stream.write_all(request.as_bytes()).await.ok()?;
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).await.ok()?;
            let text = String::from_utf8(answer).ok()?;
            let (head, body) = text.split_once("\r\n\r\n")?;
            head.starts_with("HTTP/1.0 200").then(|| body.to_owned())
        };
        tokio::time::timeout(Duration::from_secs(5), exchange)
            .await
            .ok()
            .flatten()
    }
}

fn span(json: &Value, processes: &Value) -> Span {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    let references = json["references"].as_array().cloned().unwrap_or_default();
    let of_type = |kind: &str| {
        references
            .iter()
            .filter(|r| r["refType"] == kind)
            .map(|r| (text(&r["traceID"]), text(&r["spanID"])))
            .collect::<Vec<_>>()
    };
    let process = text(&json["processID"]);
    Span {
        id: text(&json["spanID"]),
        service: text(&processes[process.as_str()]["serviceName"]),
        operation: text(&json["operationName"]),
        parent: of_type("CHILD_OF").first().map(|(_, span)| span.clone()),
        links: of_type("FOLLOWS_FROM"),
        tags: json["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| (text(&t["key"]), text(&t["value"])))
            .collect(),
    }
}
