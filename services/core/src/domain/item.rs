//! The ordered item: 1 to 200 characters, no control characters, not only whitespace. The
//! same rule is published as a regular expression ([`ITEM_PATTERN`]) in the OpenAPI document,
//! and a test checks the two agree on every Unicode scalar value.

use serde::{Deserialize, Serialize};

/// Most characters (Unicode scalar values) an item may have.
pub const MAX_ITEM_CHARS: usize = 200;

/// [`Item::parse`]'s rule as an ECMA-262 (and Python `re`) pattern, for the OpenAPI document:
/// no control character (Unicode `Cc`: U+0000–U+001F, U+007F–U+009F) anywhere, and at least one
/// character that is neither a control character nor whitespace (Unicode `White_Space`, which
/// is what `str::trim` removes). Written with explicit ranges because `\s` means different
/// sets in Rust, JavaScript and Python.
pub const ITEM_PATTERN: &str = concat!(
    r"^[^\u0000-\u001F\u007F-\u009F]*",
    r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]",
    r"[^\u0000-\u001F\u007F-\u009F]*$",
);

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
    use proptest::prelude::*;

    use super::*;

    fn pattern() -> regex::Regex {
        regex::Regex::new(ITEM_PATTERN).expect("the published pattern compiles")
    }

    #[test]
    fn accepts_one_to_two_hundred_characters() {
        assert!(Item::parse("a").is_ok());
        assert!(Item::parse("é".repeat(200)).is_ok());
    }

    #[test]
    fn rejects_empty_whitespace_too_long_and_control() {
        assert_eq!(Item::parse(""), Err(ItemError::Empty));
        assert_eq!(Item::parse("   "), Err(ItemError::Empty));
        assert_eq!(Item::parse("\u{3000}\u{a0}"), Err(ItemError::Empty));
        assert_eq!(Item::parse("x".repeat(201)), Err(ItemError::TooLong(201)));
        assert_eq!(Item::parse("a\u{0}b"), Err(ItemError::ControlCharacter));
        assert_eq!(Item::parse("a\u{85}b"), Err(ItemError::ControlCharacter));
    }

    /// Every scalar value alone, and beside a letter, is accepted by the pattern exactly when
    /// `Item::parse` accepts it: the published rule is the enforced rule.
    #[test]
    fn the_pattern_agrees_with_parse_on_every_character() {
        let pattern = pattern();
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            for text in [c.to_string(), format!("a{c}"), format!("{c} ")] {
                assert_eq!(
                    pattern.is_match(&text),
                    Item::parse(text.clone()).is_ok(),
                    "U+{:04X} in {text:?}",
                    c as u32
                );
            }
        }
    }

    proptest! {
        #[test]
        fn the_pattern_agrees_with_parse_within_the_length_limit(text in "\\PC{0,5}[\\s\\x00-\\x1f\\x7f-\\x9f]{0,3}\\PC{0,5}") {
            prop_assume!(text.chars().count() <= MAX_ITEM_CHARS);
            prop_assert_eq!(pattern().is_match(&text), Item::parse(text.clone()).is_ok());
        }
    }
}
