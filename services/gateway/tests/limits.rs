//! The per-key rate limit and the global concurrency limit: requests over either are refused at
//! once with a JSON error and `Retry-After`, and nothing behind the gateway sees them.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{gateway_with, place};
use saga_api::auth::hash_key;
use tokio::net::TcpListener;

/// A gateway with keys `alice` and `bob`, each limited to 10 requests per second with a burst
/// of 10, in front of an Order API address that is never reached (the requests are invalid,
/// so the gateway answers them itself once they pass the limit).
fn limited() -> axum::Router {
    let keys = format!(
        "alice:client:{},bob:client:{}",
        hash_key("alice-key"),
        hash_key("bob-key")
    );
    gateway_with(
        "http://127.0.0.1:9",
        &[
            ("API_KEYS", &keys),
            ("API_RATE_LIMIT_PER_SECOND", "10"),
            ("API_RATE_LIMIT_BURST", "10"),
        ],
    )
}

const INVALID: &str = r#"{"item": ""}"#;

#[tokio::test(start_paused = true)]
async fn fifty_requests_at_once_from_a_key_limited_to_ten_per_second() {
    let app = limited();
    let alice = [("authorization", "Bearer alice-key")];
    let mut passed = 0;
    let mut limited = Vec::new();
    for _ in 0..50 {
        let answer = place(&app, INVALID, &alice).await;
        match answer.status {
            StatusCode::UNPROCESSABLE_ENTITY => passed += 1,
            StatusCode::TOO_MANY_REQUESTS => limited.push(answer),
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        (passed, limited.len()),
        (10, 40),
        "the burst passes, the excess is refused"
    );
    for answer in &limited {
        assert_eq!(answer.json["error"], "rate_limited");
        assert_eq!(
            answer.retry_after.as_deref(),
            Some("1"),
            "a token every 100 ms"
        );
    }
    let bob = [("authorization", "Bearer bob-key")];
    assert_eq!(
        place(&app, INVALID, &bob).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "each key has its own bucket"
    );
    tokio::time::advance(Duration::from_millis(300)).await;
    let mut refilled = 0;
    while place(&app, INVALID, &alice).await.status == StatusCode::UNPROCESSABLE_ENTITY {
        refilled += 1;
    }
    assert_eq!(refilled, 3, "10 per second is 3 in 300 ms");
}

#[tokio::test]
async fn requests_over_the_concurrency_limit_are_shed_with_503() {
    // An Order API that accepts connections and never answers: two requests hold both slots.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let (accepted_tx, mut accepted) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
            let _ = accepted_tx.send(());
        }
    });
    let app = gateway_with(
        &url,
        &[
            ("API_AUTH", "off"),
            ("API_MAX_CONCURRENT_REQUESTS", "2"),
            ("UPSTREAM_TIMEOUT_SECONDS", "30"),
            ("API_REQUEST_TIMEOUT_SECONDS", "60"),
        ],
    );
    let mut hanging = Vec::new();
    for _ in 0..2 {
        let app = app.clone();
        hanging.push(tokio::spawn(async move {
            place(&app, r#"{"item":"tea"}"#, &[]).await
        }));
        accepted
            .recv()
            .await
            .expect("the request reached the Order API");
    }
    let shed = place(&app, r#"{"item":"tea"}"#, &[]).await;
    assert_eq!(shed.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(shed.json["error"], "overloaded");
    assert_eq!(shed.retry_after.as_deref(), Some("1"));
    let health = common::get(&app, "/health").await;
    assert_eq!(
        health.status,
        StatusCode::OK,
        "operations endpoints are not limited"
    );
    for request in hanging {
        request.abort();
    }
}
