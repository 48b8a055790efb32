//! The payment worker's decision for one order.

use serde::{Deserialize, Serialize};

use super::OrderStatus;

/// Whether a payment succeeded. Decided once per source event and kept in the decision store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentDecision {
    Success,
    Failed,
}

impl PaymentDecision {
    /// The terminal status this decision leads to.
    pub fn terminal_status(self) -> OrderStatus {
        match self {
            Self::Success => OrderStatus::Completed,
            Self::Failed => OrderStatus::Cancelled,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "SUCCESS",
            Self::Failed => "FAILED",
        }
    }
}

impl std::str::FromStr for PaymentDecision {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "SUCCESS" => Ok(Self::Success),
            "FAILED" => Ok(Self::Failed),
            other => Err(format!("unknown payment decision {other:?}")),
        }
    }
}
