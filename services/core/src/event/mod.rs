//! The versioned event envelope (schema_version 1): typed construction, encoding, strict
//! decoding, and the `EVENT_REJECTED` wrapper for anything a consumer rejects.

mod decode;
mod envelope;
mod rejection;

pub use decode::{DecodeError, decode};
pub use envelope::{Envelope, EventBody, EventType, SCHEMA_VERSION, format_timestamp};
pub use rejection::{
    FRAMING_ALLOWANCE, Original, RejectedBy, Rejection, RejectionCode, RejectionSource, sha256_hex,
};
