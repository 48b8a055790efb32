//! Parsing request parts into domain types, with the 4xx each failure earns: the one copy the
//! gateway (at the edge) and the Order API (which trusts nobody) both call.

use axum::http::{HeaderMap, StatusCode};
use saga_core::domain::OrderIdError;
use saga_core::{IdempotencyKey, Item, OrderId, Owner};

use crate::ApiError;

/// The body's `item`.
///
/// # Errors
/// 422 `invalid_item` naming the rule it breaks.
pub fn item(text: String) -> Result<Item, ApiError> {
    Item::parse(text).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_item",
            e.to_string(),
        )
    })
}

/// The `{order_id}` path segment.
///
/// # Errors
/// 400 `invalid_order_id` when it is not a positive 64-bit integer.
pub fn order_id(text: &str) -> Result<OrderId, ApiError> {
    text.parse().map_err(|e: OrderIdError| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_order_id", e.to_string())
    })
}

/// The optional `Idempotency-Key` header.
///
/// # Errors
/// 400 `invalid_idempotency_key` when present but not 1–255 visible ASCII characters.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<IdempotencyKey>, ApiError> {
    header(
        headers,
        crate::IDEMPOTENCY_KEY,
        "invalid_idempotency_key",
        |text| IdempotencyKey::parse(text).map_err(|e| e.to_string()),
    )
}

/// The internal owner header the gateway sets ([`crate::OWNER_HEADER`]).
///
/// # Errors
/// 400 `invalid_owner` when present but not a key name.
pub fn owner(headers: &HeaderMap) -> Result<Option<Owner>, ApiError> {
    header(headers, crate::OWNER_HEADER, "invalid_owner", |text| {
        Owner::parse(text).map_err(|e| e.to_string())
    })
}

/// An optional header parsed by `parse`; 400 with `code` when it is not visible ASCII or
/// `parse` refuses it.
fn header<T>(
    headers: &HeaderMap,
    name: &str,
    code: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, ApiError> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let invalid = |message: String| ApiError::new(StatusCode::BAD_REQUEST, code, message);
    let text = value
        .to_str()
        .map_err(|_| invalid(format!("{name} must be visible ASCII")))?;
    parse(text).map(Some).map_err(invalid)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn each_failure_has_its_status_and_code() {
        let e = item("\u{7}".into()).unwrap_err();
        assert_eq!(
            (e.status, e.body.error.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_item")
        );
        let e = order_id("-1").unwrap_err();
        assert_eq!(
            (e.status, e.body.error.as_str()),
            (StatusCode::BAD_REQUEST, "invalid_order_id")
        );
        let mut headers = HeaderMap::new();
        assert_eq!(idempotency_key(&headers).unwrap(), None);
        headers.insert(
            crate::IDEMPOTENCY_KEY,
            HeaderValue::from_static("has space"),
        );
        let e = idempotency_key(&headers).unwrap_err();
        assert_eq!(e.body.error, "invalid_idempotency_key");
        headers.insert(
            crate::IDEMPOTENCY_KEY,
            HeaderValue::from_bytes(b"caf\xe9").unwrap(),
        );
        assert_eq!(
            idempotency_key(&headers).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
    }
}
