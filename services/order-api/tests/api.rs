//! The Order API with `oneshot` on the memory store: the order and its outbox event are written
//! together, reads and health work, metrics are exposed.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use saga_core::ports::{OrderStore, SeededEntropy, SystemClock};
use saga_memory::MemoryOrderStore;
use saga_order_api::{OrderApiConfig, OrderApiDeps};
use serde_json::Value;
use tower::ServiceExt;

fn app(store: &MemoryOrderStore) -> axum::Router {
    let deps = OrderApiDeps {
        store: Arc::new(store.clone()),
        clock: Arc::new(SystemClock),
        entropy: Arc::new(SeededEntropy::new(1)),
    };
    saga_order_api::router(deps, OrderApiConfig::default())
}

async fn send(app: &axum::Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn create(item: &str) -> Request<Body> {
    Request::post("/orders")
        .header("content-type", "application/json")
        .header("x-correlation-id", "corr-1")
        .body(Body::from(format!(r#"{{"item": "{item}"}}"#)))
        .unwrap()
}

#[tokio::test]
async fn creates_an_order_with_its_outbox_event() {
    let store = MemoryOrderStore::new();
    let app = app(&store);
    let (status, body) = send(&app, create("tea")).await;
    assert_eq!(
        (status, body["order_id"].as_i64(), body["status"].as_str()),
        (StatusCode::ACCEPTED, Some(1), Some("PENDING"))
    );
    let claim = store.claim_outbox(10).await.unwrap();
    assert_eq!(claim.records().len(), 1);
    assert_eq!(claim.records()[0].correlation_id.as_str(), "corr-1");
    let (status, order) = send(&app, Request::get("/orders/1").body(Body::empty()).unwrap()).await;
    assert_eq!(
        (status, order["item"].as_str()),
        (StatusCode::OK, Some("tea"))
    );
}

#[tokio::test]
async fn validation_not_found_health_and_metrics() {
    let store = MemoryOrderStore::new();
    let app = app(&store);
    assert_eq!(
        send(&app, create("")).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        send(&app, Request::get("/orders/7").body(Body::empty()).unwrap())
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&app, Request::get("/orders/x").body(Body::empty()).unwrap())
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        send(&app, Request::get("/health").body(Body::empty()).unwrap())
            .await
            .0,
        StatusCode::OK
    );
    let metrics = app
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
}
