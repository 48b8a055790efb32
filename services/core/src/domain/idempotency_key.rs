//! Idempotency keys supplied by clients on `POST /place-order`.

use serde::{Deserialize, Serialize};

/// Longest idempotency key accepted.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// [`IdempotencyKey::parse`]'s rule as a pattern, for the OpenAPI document.
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]{1,255}$";

/// A client idempotency key: 1–255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct IdempotencyKey(String);

/// Why a header value is not an [`IdempotencyKey`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY_LEN} visible ASCII characters")]
pub struct IdempotencyKeyError;

impl IdempotencyKey {
    /// # Errors
    /// [`IdempotencyKeyError`] when empty, too long or not visible ASCII.
    pub fn parse(text: &str) -> Result<Self, IdempotencyKeyError> {
        let ok = !text.is_empty()
            && text.len() <= MAX_IDEMPOTENCY_KEY_LEN
            && text.bytes().all(|b| b.is_ascii_graphic());
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(IdempotencyKeyError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for IdempotencyKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_visible_ascii_only() {
        assert!(IdempotencyKey::parse("order-123").is_ok());
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse("has space").is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(256)).is_err());
    }

    #[test]
    fn the_pattern_agrees_with_parse() {
        let pattern = regex::Regex::new(IDEMPOTENCY_KEY_PATTERN).unwrap();
        let mut texts: Vec<String> = (0..=0x3000_u32)
            .filter_map(char::from_u32)
            .map(|c| format!("k{c}"))
            .collect();
        texts.extend(["k".repeat(255), "k".repeat(256), String::new()]);
        for text in texts {
            assert_eq!(
                pattern.is_match(&text),
                IdempotencyKey::parse(&text).is_ok(),
                "{text:?}"
            );
        }
    }
}
