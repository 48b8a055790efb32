//! Domain newtypes and the order status machine. Every type is built by parsing, so a value
//! that exists is valid.

mod correlation_id;
mod event_id;
mod idempotency_key;
mod item;
mod order;
mod order_id;
mod owner;
mod payment;
mod status;
mod trace_context;

pub use correlation_id::CorrelationId;
pub use event_id::EventId;
pub use idempotency_key::{IDEMPOTENCY_KEY_PATTERN, IdempotencyKey, MAX_IDEMPOTENCY_KEY_LEN};
pub use item::{ITEM_PATTERN, Item, ItemError, MAX_ITEM_CHARS};
pub use order::Order;
pub use order_id::{OrderId, OrderIdError};
pub use owner::{MAX_OWNER_LEN, Owner, OwnerError};
pub use payment::PaymentDecision;
pub use status::{OrderStatus, StatusError, TransitionError};
pub use trace_context::{SpanId, TRACEPARENT_HEADER, TraceId, TraceParent, TraceParentError};
