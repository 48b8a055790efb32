//! The HTTP contract shared by the gateway (public API) and the Order API (internal API):
//! bodies, the error body, the JSON extractor, the parsing of request parts into domain types,
//! the OpenAPI schemas that publish those rules, and the API-key check.

pub mod auth;
mod dto;
mod error;
pub mod input;
mod json;
pub mod rejections;
pub mod schema;

pub use dto::{HealthResponse, OrderResponse, PlaceOrderRequest, PlaceOrderResponse};
pub use error::{ApiError, ErrorBody};
pub use json::ApiJson;

/// Request header carrying a client's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Response header set when an idempotent retry returned an existing order.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
/// Internal header: the name of the API key the gateway authenticated, which the Order API
/// stores as the order's owner and matches on reads. The gateway never forwards a client's.
pub const OWNER_HEADER: &str = "x-saga-owner";
/// Default largest request body accepted, in bytes: generous for a 200-character item.
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024;
