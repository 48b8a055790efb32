//! What the checker reports.

use saga_core::OrderId;

/// The properties the saga keeps: safety at every instant, liveness once healed and quiet
/// (`docs/architecture.md` says what each means).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Property {
    // Safety.
    AcknowledgedOrderExists,
    StatusChangesOnce,
    PaymentEventsAgree,
    StatusMatchesDecision,
    DeliveryOnlyWhenCompleted,
    DeliveryAtMostOnce,
    IdempotencyKeyOneOrder,
    NoValidEventInDlq,
    // Liveness.
    OrderTerminal,
    OutboxDrained,
    NoConsumerLag,
    CompletedOrderDelivered,
    PaymentEventProcessed,
}

impl Property {
    pub fn name(self) -> &'static str {
        match self {
            Self::AcknowledgedOrderExists => "acknowledged-order-exists",
            Self::StatusChangesOnce => "status-changes-once",
            Self::PaymentEventsAgree => "payment-events-agree",
            Self::StatusMatchesDecision => "status-matches-decision",
            Self::DeliveryOnlyWhenCompleted => "delivery-only-when-completed",
            Self::DeliveryAtMostOnce => "delivery-at-most-once",
            Self::IdempotencyKeyOneOrder => "idempotency-key-one-order",
            Self::NoValidEventInDlq => "no-valid-event-in-dlq",
            Self::OrderTerminal => "order-terminal",
            Self::OutboxDrained => "outbox-drained",
            Self::NoConsumerLag => "no-consumer-lag",
            Self::CompletedOrderDelivered => "completed-order-delivered",
            Self::PaymentEventProcessed => "payment-event-processed",
        }
    }

    pub fn is_liveness(self) -> bool {
        matches!(
            self,
            Self::OrderTerminal
                | Self::OutboxDrained
                | Self::NoConsumerLag
                | Self::CompletedOrderDelivered
                | Self::PaymentEventProcessed
        )
    }
}

impl std::fmt::Display for Property {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One violated property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub property: Property,
    pub order_id: Option<OrderId>,
    pub detail: String,
    /// The order's history across services, one line per fact, when an order is involved.
    pub history: Vec<String>,
}

impl Violation {
    pub(super) fn new(property: Property, order_id: Option<OrderId>, detail: String) -> Self {
        Self {
            property,
            order_id,
            detail,
            history: Vec::new(),
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.order_id {
            Some(id) => write!(f, "{} (order {id}): {}", self.property, self.detail)?,
            None => write!(f, "{}: {}", self.property, self.detail)?,
        }
        for line in &self.history {
            write!(f, "\n    {line}")?;
        }
        Ok(())
    }
}
