//! The payment outcome an order's status records, and its opposite.

use saga_core::{OrderStatus, PaymentDecision};

/// The decision a terminal status was applied from: COMPLETED from a success, anything else
/// (CANCELLED) from a failure.
pub fn decision_of(status: OrderStatus) -> PaymentDecision {
    match status {
        OrderStatus::Completed => PaymentDecision::Success,
        _ => PaymentDecision::Failed,
    }
}

/// The other outcome.
pub fn flip(decision: PaymentDecision) -> PaymentDecision {
    match decision {
        PaymentDecision::Success => PaymentDecision::Failed,
        PaymentDecision::Failed => PaymentDecision::Success,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completed_order_was_paid_and_its_flip_is_a_failure() {
        assert_eq!(
            decision_of(OrderStatus::Completed),
            PaymentDecision::Success
        );
        assert_eq!(decision_of(OrderStatus::Cancelled), PaymentDecision::Failed);
        for d in [PaymentDecision::Success, PaymentDecision::Failed] {
            assert_ne!(flip(d), d);
            assert_eq!(flip(flip(d)), d);
        }
    }
}
