//! The HTTP contract shared by the gateway (public API) and the Order API (internal API).

mod dto;
mod error;
mod json;

pub use dto::{HealthResponse, OrderResponse, PlaceOrderRequest, PlaceOrderResponse};
pub use error::{ApiError, ErrorBody};
pub use json::ApiJson;

/// Request header carrying a client's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Response header set when an idempotent retry returned an existing order.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
/// Default largest request body accepted, in bytes: generous for a 200-character item.
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024;
