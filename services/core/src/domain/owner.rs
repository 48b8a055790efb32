//! Who placed an order: the name of the API key that authenticated the request. An order with
//! an owner is visible only to that owner; an order placed while authentication was off has
//! none.

use serde::{Deserialize, Serialize};

/// Longest owner (API key name) accepted.
pub const MAX_OWNER_LEN: usize = 64;

/// An API key's name: 1–64 of ASCII letters, digits, `-`, `_` and `.`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Owner(String);

/// Why a string is not an [`Owner`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a key name must be 1-{MAX_OWNER_LEN} of ASCII letters, digits, `-`, `_` and `.`, got {0:?}"
)]
pub struct OwnerError(pub String);

impl Owner {
    /// # Errors
    /// [`OwnerError`] when empty, too long, or holding any other character.
    pub fn parse(text: &str) -> Result<Self, OwnerError> {
        let ok = !text.is_empty()
            && text.len() <= MAX_OWNER_LEN
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(OwnerError(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Owner {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_are_short_and_plain() {
        assert_eq!(
            Owner::parse("mobile-app_2.eu").unwrap().as_str(),
            "mobile-app_2.eu"
        );
        for bad in ["", "has space", "colon:name", "é", &"n".repeat(65)] {
            assert!(Owner::parse(bad).is_err(), "{bad:?}");
        }
    }
}
