//! W3C Trace Context: the `traceparent` value that ties every hop of one order — HTTP request,
//! outbox row, Kafka record, delivery — into one distributed trace
//! (<https://www.w3.org/TR/trace-context/#traceparent-header>).

use std::fmt;

/// The HTTP header and Kafka record header that carry a [`TraceParent`].
pub const TRACEPARENT_HEADER: &str = "traceparent";

/// The version this code writes.
const VERSION: u8 = 0;
/// `version-traceid-spanid-flags`: 2 + 1 + 32 + 1 + 16 + 1 + 2.
const LEN: usize = 55;

/// A 16-byte trace id, never all zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TraceId(u128);

/// An 8-byte span (parent) id, never all zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SpanId(u64);

impl TraceId {
    pub fn as_u128(self) -> u128 {
        self.0
    }
}

impl SpanId {
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// Why a `traceparent` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceParentError {
    #[error("traceparent must be version-traceid-spanid-flags ({LEN} characters for version 00)")]
    Shape,
    #[error("traceparent has a field that is not lowercase hex")]
    NotHex,
    #[error("traceparent version ff is invalid")]
    ForbiddenVersion,
    #[error("traceparent trace id is all zeros")]
    ZeroTraceId,
    #[error("traceparent parent id is all zeros")]
    ZeroSpanId,
}

/// One `traceparent`: the trace, the span that is the parent of the next hop, and the flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TraceParent {
    trace_id: TraceId,
    span_id: SpanId,
    flags: u8,
}

impl TraceParent {
    /// The sampled flag (bit 0 of the flags).
    pub const SAMPLED: u8 = 0x01;

    /// A new trace (sampled) from random bits; zero bits, which the format forbids, become 1.
    pub fn from_random_bits(trace: u128, span: u64) -> Self {
        Self {
            trace_id: TraceId(trace.max(1)),
            span_id: SpanId(span.max(1)),
            flags: Self::SAMPLED,
        }
    }

    /// The same trace and flags with a new span id (from random bits): what a hop passes on.
    pub fn child(&self, span: u64) -> Self {
        Self {
            span_id: SpanId(span.max(1)),
            ..*self
        }
    }

    /// Parses a header value. Versions above 00 are read as 00 (their first 55 characters,
    /// followed by the end or a `-`), as the specification asks.
    ///
    /// # Errors
    /// [`TraceParentError`] naming what is wrong.
    pub fn parse(text: &str) -> Result<Self, TraceParentError> {
        let text = text.trim_matches([' ', '\t']);
        let bytes = text.as_bytes();
        if !text.is_ascii()
            || bytes.len() < LEN
            || bytes[2] != b'-'
            || bytes[35] != b'-'
            || bytes[52] != b'-'
        {
            return Err(TraceParentError::Shape);
        }
        let version = hex(&text[0..2])? as u8;
        let longer_ok = version > VERSION && bytes.get(LEN).is_none_or(|&b| b == b'-');
        if bytes.len() != LEN && !longer_ok {
            return Err(TraceParentError::Shape);
        }
        if version == 0xff {
            return Err(TraceParentError::ForbiddenVersion);
        }
        let trace = hex(&text[3..35])?;
        let span = hex(&text[36..52])? as u64;
        let flags = hex(&text[53..55])? as u8;
        if trace == 0 {
            return Err(TraceParentError::ZeroTraceId);
        }
        if span == 0 {
            return Err(TraceParentError::ZeroSpanId);
        }
        Ok(Self {
            trace_id: TraceId(trace),
            span_id: SpanId(span),
            flags,
        })
    }

    pub fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    pub fn span_id(&self) -> SpanId {
        self.span_id
    }

    pub fn flags(&self) -> u8 {
        self.flags
    }

    pub fn sampled(&self) -> bool {
        self.flags & Self::SAMPLED != 0
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{VERSION:02x}-{}-{}-{:02x}",
            self.trace_id, self.span_id, self.flags
        )
    }
}

impl std::str::FromStr for TraceParent {
    type Err = TraceParentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for TraceId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl serde::Serialize for TraceParent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TraceParent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Lowercase hex only (the specification forbids uppercase).
fn hex(field: &str) -> Result<u128, TraceParentError> {
    let lower = field
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !lower {
        return Err(TraceParentError::NotHex);
    }
    u128::from_str_radix(field, 16).map_err(|_| TraceParentError::NotHex)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const SPEC_EXAMPLE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn the_specification_example_round_trips() {
        let parsed = TraceParent::parse(SPEC_EXAMPLE).unwrap();
        assert_eq!(
            parsed.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(parsed.span_id().to_string(), "00f067aa0ba902b7");
        assert!(parsed.sampled());
        assert_eq!(parsed.to_string(), SPEC_EXAMPLE);
    }

    #[test]
    fn malformed_values_are_refused_with_their_reason() {
        use TraceParentError::*;
        let cases = [
            ("", Shape),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",
                Shape,
            ),
            (&format!("{SPEC_EXAMPLE}-extra"), Shape),
            (
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                NotHex,
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
                NotHex,
            ),
            (
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                ForbiddenVersion,
            ),
            (
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                ZeroTraceId,
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                ZeroSpanId,
            ),
            (
                "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                Shape,
            ),
        ];
        for (text, error) in cases {
            assert_eq!(TraceParent::parse(text), Err(error), "{text:?}");
        }
    }

    #[test]
    fn a_later_version_is_read_as_version_00() {
        let later = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-whatever";
        let parsed = TraceParent::parse(later).unwrap();
        assert_eq!(parsed.to_string(), SPEC_EXAMPLE);
    }

    #[test]
    fn a_child_keeps_trace_and_flags_and_changes_the_span() {
        let parent = TraceParent::parse(SPEC_EXAMPLE).unwrap();
        let child = parent.child(7);
        assert_eq!(child.trace_id(), parent.trace_id());
        assert_eq!(child.flags(), parent.flags());
        assert_eq!(child.span_id().as_u64(), 7);
        assert_eq!(
            parent.child(0).span_id().as_u64(),
            1,
            "zero is not a span id"
        );
    }

    proptest! {
        #[test]
        fn every_generated_value_parses_back(trace: u128, span: u64, flags: u8) {
            let value = TraceParent { flags, ..TraceParent::from_random_bits(trace, span) };
            prop_assert_eq!(TraceParent::parse(&value.to_string()), Ok(value));
        }

        #[test]
        fn no_input_panics(text in "\\PC{0,80}") {
            let _ = TraceParent::parse(&text);
        }
    }
}
