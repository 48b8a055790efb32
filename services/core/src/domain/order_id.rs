//! Order identifiers: positive 63-bit integers assigned by the order store.

use serde::{Deserialize, Serialize};

/// An order's id. Always positive; fits PostgreSQL `BIGINT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct OrderId(i64);

/// Why a value is not an [`OrderId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("order id must be a positive integer, got {0}")]
pub struct OrderIdError(pub String);

impl OrderId {
    /// # Errors
    /// [`OrderIdError`] when `value` is zero or negative.
    pub fn new(value: i64) -> Result<Self, OrderIdError> {
        if value > 0 {
            Ok(Self(value))
        } else {
            Err(OrderIdError(value.to_string()))
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// The Kafka record key for this order's events: keeps one order's events in one
    /// partition, hence in order.
    pub fn key(self) -> String {
        self.0.to_string()
    }
}

impl std::str::FromStr for OrderId {
    type Err = OrderIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<i64>()
            .map_err(|_| OrderIdError(s.to_owned()))
            .and_then(Self::new)
    }
}

impl<'de> Deserialize<'de> for OrderId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        OrderId::new(i64::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for OrderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_positive_ids_parse() {
        assert_eq!("7".parse::<OrderId>().unwrap().get(), 7);
        assert!("0".parse::<OrderId>().is_err());
        assert!("-3".parse::<OrderId>().is_err());
        assert!("abc".parse::<OrderId>().is_err());
        assert!("99999999999999999999".parse::<OrderId>().is_err());
    }
}
