//! Parsing request parts into domain types, with the 4xx each failure earns.

use axum::http::{HeaderMap, StatusCode};
use saga_core::{IdempotencyKey, Item, OrderId};

use crate::error::InvalidInput;

pub(crate) fn item(text: String) -> Result<Item, InvalidInput> {
    Item::parse(text).map_err(|e| InvalidInput {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: "invalid_item",
        message: e.to_string(),
    })
}

pub(crate) fn order_id(text: &str) -> Result<OrderId, InvalidInput> {
    text.parse()
        .map_err(|e: saga_core::domain::OrderIdError| InvalidInput {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_order_id",
            message: e.to_string(),
        })
}

pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<Option<IdempotencyKey>, InvalidInput> {
    let Some(value) = headers.get(saga_api::IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let invalid = |message: String| InvalidInput {
        status: StatusCode::BAD_REQUEST,
        code: "invalid_idempotency_key",
        message,
    };
    let text = value
        .to_str()
        .map_err(|_| invalid("Idempotency-Key must be visible ASCII".into()))?;
    IdempotencyKey::parse(text)
        .map(Some)
        .map_err(|e| invalid(e.to_string()))
}
