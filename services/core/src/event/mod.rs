//! The versioned event envelope (schema_version 1): typed construction, encoding, strict
//! decoding, and the `EVENT_REJECTED` wrapper for anything that does not decode.

mod decode;
mod envelope;
mod rejection;

pub use decode::{DecodeError, decode};
pub use envelope::{Envelope, EventBody, EventType, SCHEMA_VERSION, format_timestamp};
pub use rejection::{Rejection, RejectionSource};
