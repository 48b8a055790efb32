//! Reading the saga's record headers back: one lookup shared by the consumer and the
//! snapshot reader, so both see the same trace context.

use rdkafka::message::{Headers, Message};
use saga_core::TraceParent;

/// The value of header `name`, if the record has it.
pub(crate) fn header<'a>(message: &'a impl Message, name: &str) -> Option<&'a [u8]> {
    let headers = message.headers()?;
    headers.iter().find(|h| h.key == name).and_then(|h| h.value)
}

/// The record's `traceparent` header, when present and well formed.
pub(crate) fn trace(message: &impl Message) -> Option<TraceParent> {
    let value = header(message, saga_core::domain::TRACEPARENT_HEADER)?;
    TraceParent::parse(std::str::from_utf8(value).ok()?).ok()
}
