//! The versioned event envelope (schemas 1 and 2, [`Schema`]): typed construction, encoding, strict
//! decoding, and the `EVENT_REJECTED` wrapper for anything a consumer rejects.

mod decode;
mod envelope;
mod rejection;

pub use decode::{DecodeError, decode, decode_up_to};
pub use envelope::{Envelope, EventBody, EventType, Schema, format_timestamp};
pub use rejection::{
    FRAMING_ALLOWANCE, Original, RejectedBy, Rejection, RejectionCode, RejectionSource, sha256_hex,
};
