//! The ordered item: 1 to 200 characters after trimming nothing (whitespace-only is rejected).

use serde::{Deserialize, Serialize};

/// Most characters (Unicode scalar values) an item may have.
pub const MAX_ITEM_CHARS: usize = 200;

/// What a customer ordered. Built only through [`Item::parse`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Item(String);

/// Why a string is not an [`Item`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    #[error("item must not be empty or only whitespace")]
    Empty,
    #[error("item must be at most {MAX_ITEM_CHARS} characters, got {0}")]
    TooLong(usize),
    #[error("item must not contain control characters")]
    ControlCharacter,
}

impl Item {
    /// Parses an item.
    ///
    /// # Errors
    /// [`ItemError`] when the text is empty, whitespace only, longer than
    /// [`MAX_ITEM_CHARS`] characters, or contains control characters.
    pub fn parse(text: impl Into<String>) -> Result<Self, ItemError> {
        let text = text.into();
        let chars = text.chars().count();
        if text.trim().is_empty() {
            return Err(ItemError::Empty);
        }
        if chars > MAX_ITEM_CHARS {
            return Err(ItemError::TooLong(chars));
        }
        if text.chars().any(char::is_control) {
            return Err(ItemError::ControlCharacter);
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Item::parse(text).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_one_to_two_hundred_characters() {
        assert!(Item::parse("a").is_ok());
        assert!(Item::parse("é".repeat(200)).is_ok());
    }

    #[test]
    fn rejects_empty_whitespace_too_long_and_control() {
        assert_eq!(Item::parse(""), Err(ItemError::Empty));
        assert_eq!(Item::parse("   "), Err(ItemError::Empty));
        assert_eq!(Item::parse("x".repeat(201)), Err(ItemError::TooLong(201)));
        assert_eq!(Item::parse("a\u{0}b"), Err(ItemError::ControlCharacter));
    }
}
