//! Deliberately broken variants of the services, for the simulation to prove the checker has
//! teeth. A mutant is switched on only by a component config field that Rust code sets: no
//! environment variable, flag or cargo feature reaches it, so production cannot enable one.

/// One deliberate bug. Each component reads only the mutants that concern it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mutant {
    /// order-api writes the outbox row in a second transaction after the order's.
    OutboxOutsideTransaction,
    /// payment-worker commits the offset before deciding and publishing.
    CommitBeforeProcessing,
    /// payment-worker flips a fresh coin on every delivery instead of deciding once.
    ForgetDecision,
    /// order-status-worker neither records nor checks processed_events.
    SkipProcessedEvents,
    /// order-status-worker overwrites the status even when the order is already terminal.
    UnconditionalStatusUpdate,
    /// delivery-worker assigns a delivery per payment event instead of once per order.
    NonIdempotentDelivery,
    /// outbox-relay marks rows published before they are acknowledged by the broker.
    MarkBeforePublish,
}

impl Mutant {
    pub const ALL: [Mutant; 7] = [
        Mutant::OutboxOutsideTransaction,
        Mutant::CommitBeforeProcessing,
        Mutant::ForgetDecision,
        Mutant::SkipProcessedEvents,
        Mutant::UnconditionalStatusUpdate,
        Mutant::NonIdempotentDelivery,
        Mutant::MarkBeforePublish,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::OutboxOutsideTransaction => "outbox-outside-transaction",
            Self::CommitBeforeProcessing => "commit-before-processing",
            Self::ForgetDecision => "forget-decision",
            Self::SkipProcessedEvents => "skip-processed-events",
            Self::UnconditionalStatusUpdate => "unconditional-status-update",
            Self::NonIdempotentDelivery => "non-idempotent-delivery",
            Self::MarkBeforePublish => "mark-before-publish",
        }
    }
}
