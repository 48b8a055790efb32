//! Order API request handlers, one per file.

mod create_order;
mod get_order;
mod health;

pub(crate) use create_order::create_order;
pub(crate) use get_order::get_order;
pub use health::PROBE_DEADLINE;
pub(crate) use health::health;
