//! The request contract, exactly: bodies that are not a JSON object with exactly the field
//! `item` are 4xx JSON errors naming the problem and create nothing, and the OpenAPI document
//! publishes the rules the server enforces. Regression tests for the fuzzer's findings.

mod common;

use axum::http::StatusCode;
use common::{gateway, get, place};
use saga_core::domain::{IDEMPOTENCY_KEY_PATTERN, ITEM_PATTERN};
use serde_json::{Value, json};

#[tokio::test]
async fn bodies_that_are_not_the_documented_object_create_nothing() {
    let app = gateway().await;
    for (body, names) in [
        (r#"["hello array"]"#, "invalid type: sequence"),
        (r#""x""#, "invalid type: string"),
        ("null", "invalid type: null"),
        ("7", "invalid type: integer"),
        (r#"{"item":"x","extra":1}"#, "unknown field `extra`"),
        (r#"{"item":"x","item":"y"}"#, "duplicate field `item`"),
    ] {
        let answer = place(&app, body, &[]).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(answer.json["error"], "invalid_body", "{body}");
        let message = answer.json["message"].as_str().unwrap();
        assert!(message.contains(names), "{body}: {message}");
    }
    assert_eq!(
        get(&app, "/orders/1").await.status,
        StatusCode::NOT_FOUND,
        "no rejected body created an order"
    );
    assert_eq!(
        place(&app, r#"{"item":"x"}"#, &[]).await.json["order_id"],
        1,
        "the first accepted order is the first order"
    );
}

/// The fuzzer found three requests the document allowed and the server refused: a negative
/// id, an `Idempotency-Key` with a space, an item with a control character. The document now
/// states each rule, and these are the server's answers to the same requests.
#[tokio::test]
async fn what_the_document_forbids_is_what_the_server_refuses() {
    let app = gateway().await;
    let document = get(&app, "/openapi.json").await.json;
    let paths = &document["paths"];
    let order_id = parameter(&paths["/orders/{order_id}"]["get"], "order_id");
    assert_eq!(order_id["required"], true);
    assert_eq!(
        paths["/orders/{order_id}"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "one order_id parameter, the integer"
    );
    assert_eq!(order_id["schema"]["minimum"], 1);
    assert_eq!(order_id["schema"]["maximum"], i64::MAX);
    assert_eq!(
        get(&app, "/orders/-1").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(get(&app, "/orders/0").await.status, StatusCode::BAD_REQUEST);

    let post = &paths["/place-order"]["post"];
    let key = parameter(post, "Idempotency-Key");
    assert_eq!(key["required"], false);
    assert_eq!(key["schema"]["pattern"], IDEMPOTENCY_KEY_PATTERN);
    assert_eq!(key["schema"]["maxLength"], 255);
    let spaced = place(&app, r#"{"item":"x"}"#, &[("idempotency-key", "a b")]).await;
    assert_eq!(spaced.status, StatusCode::BAD_REQUEST);

    let request = &document["components"]["schemas"]["PlaceOrderRequest"];
    assert_eq!(request["type"], "object");
    assert_eq!(request["required"], json!(["item"]));
    assert_eq!(request["additionalProperties"], false);
    let item = &request["properties"]["item"];
    assert_eq!(
        (&item["minLength"], &item["maxLength"], &item["pattern"]),
        (&json!(1), &json!(200), &json!(ITEM_PATTERN))
    );
    let control = place(&app, r#"{"item":"a\u0007b"}"#, &[]).await;
    assert_eq!(control.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Every status the gateway can answer on an order route is in the document, with the error
/// body for every 4xx and 5xx.
#[tokio::test]
async fn every_error_status_is_documented_with_the_error_body() {
    let app = gateway().await;
    let document = get(&app, "/openapi.json").await.json;
    let expected = [
        (
            "/place-order",
            "post",
            &["202", "400", "409", "413", "415", "422", "503", "504"][..],
        ),
        (
            "/orders/{order_id}",
            "get",
            &["200", "400", "404", "503", "504"][..],
        ),
    ];
    for (path, method, statuses) in expected {
        let responses = &document["paths"][path][method]["responses"];
        for status in statuses {
            let response = &responses[*status];
            assert!(
                response.is_object(),
                "{method} {path} {status} undocumented"
            );
            if status.starts_with(['4', '5']) {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
        }
    }
}

fn parameter<'a>(operation: &'a Value, name: &str) -> &'a Value {
    operation["parameters"]
        .as_array()
        .and_then(|all| all.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("parameter {name} is documented"))
}
