//! The order status machine: PENDING → COMPLETED or PENDING → CANCELLED, exactly once.

use serde::{Deserialize, Serialize};

/// Where an order is in the saga.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Pending,
    Completed,
    Cancelled,
}

/// A status string that is not one of the three statuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown order status {0:?}")]
pub struct StatusError(pub String);

/// A transition the machine forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("order status cannot move from {from} to {to}")]
pub struct TransitionError {
    pub from: OrderStatus,
    pub to: OrderStatus,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Completed => "COMPLETED",
            Self::Cancelled => "CANCELLED",
        }
    }

    pub fn is_terminal(self) -> bool {
        self != Self::Pending
    }

    /// The status after moving to `to`.
    ///
    /// # Errors
    /// [`TransitionError`] unless `self` is PENDING and `to` is terminal: a terminal order
    /// never changes again, and nothing moves back to PENDING.
    pub fn transition(self, to: OrderStatus) -> Result<OrderStatus, TransitionError> {
        match (self, to) {
            (Self::Pending, Self::Completed | Self::Cancelled) => Ok(to),
            _ => Err(TransitionError { from: self, to }),
        }
    }
}

impl std::str::FromStr for OrderStatus {
    type Err = StatusError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "PENDING" => Ok(Self::Pending),
            "COMPLETED" => Ok(Self::Completed),
            "CANCELLED" => Ok(Self::Cancelled),
            other => Err(StatusError(other.to_owned())),
        }
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::{Cancelled, Completed, Pending};
    use super::*;

    #[test]
    fn pending_moves_to_either_terminal_status() {
        assert_eq!(Pending.transition(Completed), Ok(Completed));
        assert_eq!(Pending.transition(Cancelled), Ok(Cancelled));
    }

    #[test]
    fn every_other_transition_is_refused() {
        for from in [Pending, Completed, Cancelled] {
            for to in [Pending, Completed, Cancelled] {
                let allowed = from == Pending && to != Pending;
                assert_eq!(from.transition(to).is_ok(), allowed, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn terminal_statuses_are_terminal() {
        assert!(!Pending.is_terminal());
        assert!(Completed.is_terminal() && Cancelled.is_terminal());
    }

    #[test]
    fn round_trips_through_text() {
        for s in [Pending, Completed, Cancelled] {
            assert_eq!(s.as_str().parse::<OrderStatus>(), Ok(s));
        }
        assert!("DONE".parse::<OrderStatus>().is_err());
    }
}
