//! Correlation ids: tie one client request to every event and log line it causes.

use serde::{Deserialize, Serialize};

/// Longest correlation id accepted from a client header.
pub const MAX_CORRELATION_ID_LEN: usize = 128;

/// A request correlation id: 1–128 visible ASCII characters (letters, digits, `-_.:`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CorrelationId(String);

impl CorrelationId {
    /// Parses a client-supplied id; `None` when it is unusable (then a fresh one is made).
    pub fn parse(text: &str) -> Option<Self> {
        let ok = !text.is_empty()
            && text.len() <= MAX_CORRELATION_ID_LEN
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        ok.then(|| Self(text.to_owned()))
    }

    /// A fresh id from 128 random bits (formatted as a UUID v4).
    pub fn from_random_bits(bits: u128) -> Self {
        Self(super::EventId::from_random_bits(bits).to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for CorrelationId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("invalid correlation id"))
    }
}

impl std::fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_uuid_like_ids_and_rejects_header_injection() {
        assert!(CorrelationId::parse("req-1:abc_DEF.2").is_some());
        assert!(CorrelationId::parse("").is_none());
        assert!(CorrelationId::parse("a b").is_none());
        assert!(CorrelationId::parse("a\r\nb").is_none());
        assert!(CorrelationId::parse(&"x".repeat(129)).is_none());
    }
}
