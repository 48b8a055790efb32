//! Gateway behaviour over real HTTP to a real Order API on the memory store: every status code
//! of the public API, correlation ids, and idempotency keys (including concurrent retries).

mod common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{call, gateway, gateway_to, get, order_api, place};
use http_body_util::BodyExt;
use saga_core::ports::{
    ApplyOutcome, CreateOutcome, NewOrder, OrderStore, OutboxBacklog, OutboxClaim,
    PaymentApplication, PortError, StatusChange,
};
use saga_core::{Order, OrderId};
use serde_json::json;
use tokio::net::TcpListener;
use tower::ServiceExt;

#[tokio::test]
async fn place_order_answers_202_with_a_pending_order() {
    let app = gateway().await;
    let answer = place(&app, r#"{"item": "standard meal"}"#, &[]).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    assert_eq!(answer.json, json!({"order_id": 1, "status": "PENDING"}));
    let order = get(&app, "/orders/1").await;
    assert_eq!(order.status, StatusCode::OK);
    assert_eq!(order.json["item"], "standard meal");
    assert_eq!(order.json["status"], "PENDING");
    assert!(order.json["created_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn invalid_input_gets_a_clear_json_error() {
    let app = gateway().await;
    let long = format!(r#"{{"item": "{}"}}"#, "x".repeat(201));
    let cases: [(&str, StatusCode, &str); 7] = [
        (
            r#"{"item": ""}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_item",
        ),
        (&long, StatusCode::UNPROCESSABLE_ENTITY, "invalid_item"),
        (
            r#"{"item": 42}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (r#"{}"#, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
        (
            r#"{"item": "a", "extra": 1}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (r#"{"item": "#, StatusCode::BAD_REQUEST, "invalid_json"),
        ("not json at all", StatusCode::BAD_REQUEST, "invalid_json"),
    ];
    for (body, status, code) in cases {
        let answer = place(&app, body, &[]).await;
        assert_eq!(
            (answer.status, answer.json["error"].as_str()),
            (status, Some(code)),
            "{body}"
        );
        assert!(
            answer.json["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let exactly_200 = format!(r#"{{"item": "{}"}}"#, "é".repeat(200));
    assert_eq!(
        place(&app, &exactly_200, &[]).await.status,
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn wrong_content_type_is_415_and_oversized_body_is_413() {
    let app = gateway().await;
    let plain = Request::post("/place-order")
        .header("content-type", "text/plain")
        .body(Body::from(r#"{"item":"a"}"#));
    let answer = call(&app, plain.unwrap()).await;
    assert_eq!(
        (answer.status, answer.json["error"].as_str()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("unsupported_media_type")
        )
    );
    let huge = format!(r#"{{"item": "{}"}}"#, "x".repeat(64 * 1024));
    let answer = place(&app, &huge, &[]).await;
    assert_eq!(
        (answer.status, answer.json["error"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large"))
    );
    // Nothing was created by the rejected requests.
    assert_eq!(get(&app, "/orders/1").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_and_malformed_order_ids() {
    let app = gateway().await;
    let missing = get(&app, "/orders/404").await;
    assert_eq!(
        (missing.status, missing.json["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("order_not_found"))
    );
    for bad in ["/orders/abc", "/orders/0", "/orders/-1"] {
        assert_eq!(
            get(&app, bad).await.status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn correlation_id_is_echoed_generated_and_propagated() {
    let app = gateway().await;
    let answer = place(
        &app,
        r#"{"item": "tea"}"#,
        &[("x-correlation-id", "trace-me-42")],
    )
    .await;
    assert_eq!(answer.correlation.as_deref(), Some("trace-me-42"));
    let order = get(&app, "/orders/1").await;
    assert_eq!(
        order.json["correlation_id"], "trace-me-42",
        "the Order API stored the gateway's id"
    );
    let generated = place(&app, r#"{"item": "tea"}"#, &[])
        .await
        .correlation
        .unwrap();
    assert_eq!(
        generated.len(),
        36,
        "a UUID is generated when absent: {generated}"
    );
    let unusable = place(
        &app,
        r#"{"item": "tea"}"#,
        &[("x-correlation-id", "bad id with spaces")],
    )
    .await;
    assert_ne!(unusable.correlation.as_deref(), Some("bad id with spaces"));
    assert!(
        get(&app, "/health").await.correlation.is_some(),
        "every response carries one"
    );
}

#[tokio::test]
async fn idempotency_key_returns_the_same_order() {
    let app = gateway().await;
    let key = [("idempotency-key", "order-abc")];
    let first = place(&app, r#"{"item": "soup"}"#, &key).await;
    let retry = place(&app, r#"{"item": "soup"}"#, &key).await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    assert_eq!(retry.status, StatusCode::ACCEPTED);
    assert_eq!(first.json["order_id"], retry.json["order_id"]);
    assert!(!first.replayed && retry.replayed);
    let other_item = place(&app, r#"{"item": "salad"}"#, &key).await;
    assert_eq!(
        (other_item.status, other_item.json["error"].as_str()),
        (StatusCode::CONFLICT, Some("idempotency_key_reused"))
    );
    let bad_key = place(
        &app,
        r#"{"item": "soup"}"#,
        &[("idempotency-key", "has space")],
    )
    .await;
    assert_eq!(bad_key.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        get(&app, "/orders/2").await.status,
        StatusCode::NOT_FOUND,
        "one key, one order"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_with_one_key_create_one_order() {
    let app = gateway().await;
    let attempts = (0..16).map(|_| {
        let app = app.clone();
        tokio::spawn(async move {
            place(&app, r#"{"item": "pie"}"#, &[("idempotency-key", "same")]).await
        })
    });
    let answers = futures::future::join_all(attempts).await;
    let ids: std::collections::BTreeSet<i64> = answers
        .into_iter()
        .map(|a| {
            let a = a.unwrap();
            assert_eq!(a.status, StatusCode::ACCEPTED);
            a.json["order_id"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
}

#[tokio::test]
async fn unreachable_order_api_is_503() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let app = gateway_to(&url, "5");
    let answer = place(&app, r#"{"item": "tea"}"#, &[]).await;
    assert_eq!(
        (answer.status, answer.json["error"].as_str()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("upstream_unavailable")
        )
    );
    assert_eq!(
        get(&app, "/ready").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        get(&app, "/health").await.status,
        StatusCode::OK,
        "the gateway itself is alive"
    );
}

#[tokio::test]
async fn silent_order_api_is_504_after_the_timeout() {
    // Accepts connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let app = gateway_to(&url, "0.2");
    let started = tokio::time::Instant::now();
    let answer = place(&app, r#"{"item": "tea"}"#, &[]).await;
    assert_eq!(
        (answer.status, answer.json["error"].as_str()),
        (StatusCode::GATEWAY_TIMEOUT, Some("upstream_timeout"))
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

/// An order store whose database is down.
struct DownStore;

#[async_trait]
impl OrderStore for DownStore {
    async fn create_order(&self, _: NewOrder) -> Result<CreateOutcome, PortError> {
        Err(PortError::unavailable("postgres", "connection refused"))
    }
    async fn get_order(&self, _: OrderId) -> Result<Option<Order>, PortError> {
        Err(PortError::unavailable("postgres", "connection refused"))
    }
    async fn claim_outbox(&self, _: usize) -> Result<Box<dyn OutboxClaim>, PortError> {
        Err(PortError::unavailable("postgres", "connection refused"))
    }
    async fn wait_for_outbox(&self, _: Duration) {}
    async fn apply_payment(&self, _: PaymentApplication) -> Result<ApplyOutcome, PortError> {
        Err(PortError::unavailable("postgres", "connection refused"))
    }
    async fn status_history(&self, _: OrderId) -> Result<Vec<StatusChange>, PortError> {
        Err(PortError::unavailable("postgres", "connection refused"))
    }
    async fn database_time(&self) -> Result<time::OffsetDateTime, PortError> {
        Err(PortError::unavailable("postgres", "connection refused"))
    }
    async fn redrive_stuck(
        &self,
        _: time::OffsetDateTime,
        _: time::OffsetDateTime,
        _: usize,
    ) -> Result<saga_core::ports::Redrive, PortError> {
        Err(PortError::unavailable("postgres", "connection refused"))
    }
    async fn prune(
        &self,
        _: saga_core::ports::PruneCutoffs,
    ) -> Result<saga_core::ports::Pruned, PortError> {
        Err(PortError::unavailable("postgres", "connection refused"))
    }
    async fn outbox_backlog(&self) -> Result<OutboxBacklog, PortError> {
        Err(PortError::unavailable("postgres", "connection refused"))
    }
    async fn ping(&self) -> Result<(), PortError> {
        Err(PortError::unavailable("postgres", "connection refused"))
    }
}

#[tokio::test]
async fn database_outage_is_503_and_not_ready() {
    let app = gateway_to(&order_api(Arc::new(DownStore)).await, "5");
    let answer = place(&app, r#"{"item": "tea"}"#, &[]).await;
    assert_eq!(
        (answer.status, answer.json["error"].as_str()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("database_unavailable")
        )
    );
    assert!(
        !answer.json["message"].as_str().unwrap().contains("refused"),
        "5xx bodies stay generic"
    );
    let ready = get(&app, "/ready").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        get(&app, "/orders/1").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn operations_and_docs_endpoints_answer() {
    let app = gateway().await;
    assert_eq!(get(&app, "/health").await.json["status"], "ok");
    assert_eq!(get(&app, "/ready").await.status, StatusCode::OK);
    let openapi = get(&app, "/openapi.json").await;
    assert_eq!(openapi.status, StatusCode::OK);
    assert!(openapi.json["paths"]["/place-order"]["post"].is_object());
    assert!(openapi.json["paths"]["/orders/{order_id}"]["get"].is_object());
    let docs = app
        .clone()
        .oneshot(Request::get("/docs").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    let html = docs.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&html).contains("swagger-ui"));
    let asset = app
        .clone()
        .oneshot(
            Request::get("/docs/swagger-ui-bundle.js")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        asset.status(),
        StatusCode::OK,
        "Swagger UI assets are served from the binary"
    );
}
