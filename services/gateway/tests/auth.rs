//! API keys at the gateway, over real HTTP to a real Order API: no key or a wrong key is 401
//! with the JSON error body, an order belongs to the key that placed it (another key gets 404,
//! exactly as for a missing order), and idempotency keys are per API key.

mod common;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use common::{gateway_with, get_as, order_api, place};
use saga_api::auth::hash_key;
use saga_memory::MemoryOrderStore;

async fn keyed_gateway() -> Router {
    let keys = format!(
        "alice:client:{},bob:client:{}",
        hash_key("alice-key"),
        hash_key("bob-key")
    );
    let url = order_api(Arc::new(MemoryOrderStore::new())).await;
    gateway_with(&url, &[("API_KEYS", &keys)])
}

fn bearer(key: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {key}"))
}

#[tokio::test]
async fn no_key_or_a_wrong_key_is_401_and_creates_nothing() {
    let app = keyed_gateway().await;
    for headers in [
        vec![],
        vec![bearer("guess")],
        vec![("authorization", "alice-key".into())],
    ] {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = place(&app, r#"{"item":"tea"}"#, &headers).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{headers:?}");
        assert_eq!(answer.json["error"], "unauthorized");
        assert_eq!(
            get_as(&app, "/orders/1", &headers).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let alice = bearer("alice-key");
    let first = place(&app, r#"{"item":"tea"}"#, &[(alice.0, &alice.1)]).await;
    assert_eq!(
        first.json["order_id"], 1,
        "no rejected request created an order"
    );
    let health = get_as(&app, "/health", &[]).await;
    assert_eq!(
        health.status,
        StatusCode::OK,
        "operations endpoints stay open"
    );
}

#[tokio::test]
async fn an_order_is_visible_only_to_the_key_that_placed_it() {
    let app = keyed_gateway().await;
    let (alice, bob) = (bearer("alice-key"), bearer("bob-key"));
    let (alice, bob) = ([(alice.0, alice.1.as_str())], [(bob.0, bob.1.as_str())]);
    let placed = place(&app, r#"{"item":"alice's tea"}"#, &alice).await;
    assert_eq!(placed.status, StatusCode::ACCEPTED);
    let path = format!("/orders/{}", placed.json["order_id"]);
    let mine = get_as(&app, &path, &alice).await;
    assert_eq!(
        (mine.status, mine.json["item"].as_str()),
        (StatusCode::OK, Some("alice's tea"))
    );
    let theirs = get_as(&app, &path, &bob).await;
    let missing = get_as(&app, "/orders/999", &bob).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(
        theirs.json["error"], missing.json["error"],
        "indistinguishable from missing"
    );
}

#[tokio::test]
async fn idempotency_keys_belong_to_their_api_key() {
    let app = keyed_gateway().await;
    let (alice, bob) = (bearer("alice-key"), bearer("bob-key"));
    let same = ("idempotency-key", "order-1");
    let alice = [(alice.0, alice.1.as_str()), same];
    let bob = [(bob.0, bob.1.as_str()), same];
    let a = place(&app, r#"{"item":"soup"}"#, &alice).await;
    let b = place(&app, r#"{"item":"salad"}"#, &bob).await;
    assert_eq!(
        (a.status, b.status),
        (StatusCode::ACCEPTED, StatusCode::ACCEPTED)
    );
    assert_ne!(
        a.json["order_id"], b.json["order_id"],
        "bob neither sees nor collides with alice's key"
    );
    let again = place(&app, r#"{"item":"soup"}"#, &alice).await;
    assert!(again.replayed);
    assert_eq!(again.json["order_id"], a.json["order_id"]);
}

#[tokio::test]
async fn the_document_requires_a_key_only_when_keys_are_configured() {
    let keyed = keyed_gateway().await;
    let document = get_as(&keyed, "/openapi.json", &[]).await.json;
    let post = &document["paths"]["/place-order"]["post"];
    assert_eq!(post["security"][0]["api_key"], serde_json::json!([]));
    for path in ["/place-order", "/orders/{order_id}"] {
        let operation = document["paths"][path]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap();
        let responses = &operation["responses"];
        for status in ["401", "408", "429", "503", "504"] {
            let body = &responses[status]["content"]["application/json"]["schema"]["$ref"];
            assert_eq!(body, "#/components/schemas/ErrorBody", "{path} {status}");
        }
        assert!(responses["401"]["headers"]["WWW-Authenticate"].is_object());
        assert!(responses["429"]["headers"]["Retry-After"].is_object());
        assert!(responses["503"]["headers"]["Retry-After"].is_object());
    }
    assert_eq!(
        document["components"]["securitySchemes"]["api_key"]["scheme"],
        "bearer"
    );
    let open = common::gateway().await;
    let document = get_as(&open, "/openapi.json", &[]).await.json;
    let post = &document["paths"]["/place-order"]["post"];
    assert!(post["security"].is_null() && post["responses"]["401"].is_null());
}
