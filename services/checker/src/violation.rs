//! What the checker reports.

use saga_core::OrderId;

/// The properties the saga keeps: safety at every instant, liveness once healed and quiet
/// (`docs/architecture.md` says what each means).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Property {
    // Safety.
    AcknowledgedOrderExists,
    StatusChangesOnce,
    /// Every status change names a processed payment event for that order, caused by its
    /// ORDER_CREATED, whose outcome is the new status.
    StatusChangeTiedToPayment,
    PaymentEventsAgree,
    StatusMatchesDecision,
    DeliveryOnlyWhenCompleted,
    /// A delivery names a PAYMENT_SUCCESS for that order, caused by its ORDER_CREATED.
    DeliveryTiedToSuccess,
    DeliveryAtMostOnce,
    IdempotencyKeyOneOrder,
    /// No event the saga could have applied sits in a DLQ.
    NoApplicableEventInDlq,
    /// A payment event that cannot be applied (unknown order, foreign causation, contradicting
    /// the applied outcome) is dead-lettered by the group that applies payments.
    UnprocessableEventDeadLettered,
    /// Every valid event a group committed past was applied or dead-lettered by that group.
    NoValidEventDropped,
    /// Every rejection (DLQ record or dead-letter row) names a consumer group that reads the
    /// rejected record's topic.
    RejectionNamesGroup,
    /// Every record of an order on the saga's topics (its DLQ rejections too) and its courier's
    /// row carry the trace id the order's HTTP request started.
    TraceContinuity,
    /// Every replay an operator's action records was published: its copy, marked with the dead
    /// letter's id, is on the source topic (a replay is recorded only after its publish).
    RecordedReplayPublished,
    /// A component asked to stop while still starting (waiting for a backend) ends at once and
    /// cleanly: it has nothing in flight. Judged by the harnesses from how a stopped process
    /// ends, which no snapshot of the backends can show.
    StopHonoured,
    /// No payment event is delivered to a consumer after the processed-event record that
    /// deduplicates it was pruned: retention outlives redelivery.
    DedupOutlivesDelivery,
    // Liveness.
    OrderTerminal,
    OutboxDrained,
    NoConsumerLag,
    CompletedOrderDelivered,
}

impl Property {
    /// Every property, safety first.
    pub const ALL: [Property; 21] = [
        Self::AcknowledgedOrderExists,
        Self::StatusChangesOnce,
        Self::StatusChangeTiedToPayment,
        Self::PaymentEventsAgree,
        Self::StatusMatchesDecision,
        Self::DeliveryOnlyWhenCompleted,
        Self::DeliveryTiedToSuccess,
        Self::DeliveryAtMostOnce,
        Self::IdempotencyKeyOneOrder,
        Self::NoApplicableEventInDlq,
        Self::UnprocessableEventDeadLettered,
        Self::NoValidEventDropped,
        Self::RejectionNamesGroup,
        Self::TraceContinuity,
        Self::RecordedReplayPublished,
        Self::StopHonoured,
        Self::DedupOutlivesDelivery,
        Self::OrderTerminal,
        Self::OutboxDrained,
        Self::NoConsumerLag,
        Self::CompletedOrderDelivered,
    ];

    /// The property named `name` (as [`Self::name`] writes it).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::AcknowledgedOrderExists => "acknowledged-order-exists",
            Self::StatusChangesOnce => "status-changes-once",
            Self::StatusChangeTiedToPayment => "status-change-tied-to-payment",
            Self::PaymentEventsAgree => "payment-events-agree",
            Self::StatusMatchesDecision => "status-matches-decision",
            Self::DeliveryOnlyWhenCompleted => "delivery-only-when-completed",
            Self::DeliveryTiedToSuccess => "delivery-tied-to-success",
            Self::DeliveryAtMostOnce => "delivery-at-most-once",
            Self::IdempotencyKeyOneOrder => "idempotency-key-one-order",
            Self::NoApplicableEventInDlq => "no-applicable-event-in-dlq",
            Self::UnprocessableEventDeadLettered => "unprocessable-event-dead-lettered",
            Self::NoValidEventDropped => "no-valid-event-dropped",
            Self::RejectionNamesGroup => "rejection-names-group",
            Self::TraceContinuity => "trace-continuity",
            Self::RecordedReplayPublished => "recorded-replay-published",
            Self::StopHonoured => "stop-honoured",
            Self::DedupOutlivesDelivery => "dedup-outlives-delivery",
            Self::OrderTerminal => "order-terminal",
            Self::OutboxDrained => "outbox-drained",
            Self::NoConsumerLag => "no-consumer-lag",
            Self::CompletedOrderDelivered => "completed-order-delivered",
        }
    }

    /// Whether the property is judged only once the system has quiesced: liveness proper,
    /// and the properties that weigh what a consumer group committed (on Kafka) against what
    /// it did (in PostgreSQL, Redis, a DLQ). A real stack is read one backend after another,
    /// so while work is in flight such a snapshot can show a commit without the effect that
    /// preceded it; only a quiescent system reads consistently.
    pub fn is_liveness(self) -> bool {
        matches!(
            self,
            Self::OrderTerminal
                | Self::OutboxDrained
                | Self::NoConsumerLag
                | Self::CompletedOrderDelivered
                | Self::NoValidEventDropped
                | Self::UnprocessableEventDeadLettered
                | Self::NoApplicableEventInDlq
                | Self::RejectionNamesGroup
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
    /// A violation a harness saw happen rather than read from the backends' state (how a
    /// process ended).
    pub fn observed(property: Property, detail: String) -> Self {
        Self::new(property, None, detail)
    }

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
