//! Helpers of the gateway's HTTP tests: an Order API on a memory store behind a real socket,
//! a gateway router in front of it, and one-call request helpers that decode the JSON answer.

#![allow(dead_code)] // each test file uses its own subset

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use saga_core::ports::{OrderStore, OsEntropy, SystemClock};
use saga_gateway::{GatewayConfig, GatewayDeps};
use saga_memory::MemoryOrderStore;
use saga_runtime::net::TcpDialer;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

/// Serves an Order API on `store` at a free port; returns its base URL.
pub async fn order_api(store: Arc<dyn OrderStore>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let deps = saga_order_api::OrderApiDeps {
        store,
        clock: Arc::new(SystemClock),
        entropy: Arc::new(OsEntropy),
    };
    tokio::spawn(saga_order_api::run(
        deps,
        Default::default(),
        listener,
        std::future::pending(),
    ));
    url
}

/// An open gateway (no API keys) in front of the Order API at `url`.
pub fn gateway_to(url: &str, timeout_seconds: &str) -> Router {
    gateway_with(
        url,
        &[
            ("UPSTREAM_TIMEOUT_SECONDS", timeout_seconds),
            ("API_AUTH", "off"),
        ],
    )
}

/// A gateway in front of the Order API at `url`, configured by these variables (defaults for
/// the rest, as from an environment that sets only these).
pub fn gateway_with(url: &str, vars: &[(&str, &str)]) -> Router {
    saga_gateway::router(
        GatewayDeps {
            dialer: Arc::new(TcpDialer),
            entropy: Arc::new(OsEntropy),
        },
        config(url, vars),
    )
}

/// The configuration [`gateway_with`] uses.
pub fn config(url: &str, vars: &[(&str, &str)]) -> GatewayConfig {
    GatewayConfig::from_lookup(|name| {
        let given = vars
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned());
        given.or_else(|| (name == "ORDER_SERVICE_URL").then(|| url.to_owned()))
    })
    .unwrap()
}

pub async fn gateway() -> Router {
    gateway_to(&order_api(Arc::new(MemoryOrderStore::new())).await, "5")
}

pub struct Answer {
    pub status: StatusCode,
    pub correlation: Option<String>,
    pub replayed: bool,
    pub retry_after: Option<String>,
    pub json: Value,
}

pub async fn call(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let (correlation, replayed, retry_after) = {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        (
            header("x-correlation-id"),
            header("idempotent-replayed").is_some(),
            header("retry-after"),
        )
    };
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        correlation,
        replayed,
        retry_after,
        json,
    }
}

pub fn post() -> axum::http::request::Builder {
    Request::post("/place-order").header("content-type", "application/json")
}

pub async fn place(app: &Router, body: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = post();
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    call(app, request.body(Body::from(body.to_owned())).unwrap()).await
}

pub async fn get(app: &Router, path: &str) -> Answer {
    get_as(app, path, &[]).await
}

/// `GET path` with these headers (an `authorization`, typically).
pub async fn get_as(app: &Router, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    call(app, request.body(Body::empty()).unwrap()).await
}

/// Serves an open gateway with these variables on a free port; returns its address. The Order
/// API address is never reached: no request here gets that far.
pub async fn serve(vars: &'static [(&'static str, &'static str)]) -> std::net::SocketAddr {
    let config = GatewayConfig::from_lookup(|name| {
        let given = vars
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned());
        given.or_else(|| match name {
            "ORDER_SERVICE_URL" => Some("http://127.0.0.1:9".into()),
            "API_AUTH" => Some("off".into()),
            _ => None,
        })
    })
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let deps = GatewayDeps {
        dialer: Arc::new(TcpDialer),
        entropy: Arc::new(OsEntropy),
    };
    tokio::spawn(saga_gateway::run(
        deps,
        config,
        listener,
        std::future::pending(),
    ));
    addr
}

/// A one-shot `GET path` over a fresh connection; the whole reply.
pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.unwrap();
    String::from_utf8_lossy(&reply).into_owned()
}
