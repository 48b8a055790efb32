//! Deliberately broken variants of the saga, for the simulation to prove the checker has
//! teeth. The harness chooses one per run in Rust code (`sim`'s `RunOptions::mutant`): no
//! environment variable, flag or cargo feature reaches a mutant, and no real adapter
//! (`services/adapters`) implements one.
//!
//! # Adding a mutant
//! 1. A variant here with a one-line doc of the bug, its [`Mutant::name`] and its place in
//!    [`Mutant::ALL`].
//! 2. The bug, where it would live in real code:
//!    - **in a service** (when it commits, what it does with an event, how it retries): a check
//!      of `config.mutant` in that component's crate; a component that has no `mutant` field
//!      yet gets one (as `PaymentWorkerConfig` and `RelayConfig` have), and the simulation's
//!      environment (`sim/src/world/`) passes the run's mutant to it;
//!    - **in an adapter** (the SQL or commands a store sends: transactions, constraints,
//!      locks): only in the simulation. A wrong but atomic transaction goes in
//!      `sim/src/infra/mutated.rs`, run by the simulated backend on the memory model's tables;
//!      a bug that needs a crash window between two steps is two requests sent by the
//!      simulation's adapter (`sim/src/adapters/`), as `OutboxOutsideTransaction` is.
//! 3. `scripts/sim mutants` hunts it, and `sim/tests/mutants.rs` fails until
//!    the harness catches it; add its row to the README's mutant table.

/// One deliberate bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mutant {
    /// Adapter: the order store writes the outbox row in a second transaction after the
    /// order's.
    OutboxOutsideTransaction,
    /// Service: payment-worker commits the offset before deciding and publishing.
    CommitBeforeProcessing,
    /// Service: payment-worker flips a fresh coin on every delivery instead of deciding once.
    ForgetDecision,
    /// Adapter: applying a payment neither records nor checks processed_events.
    SkipProcessedEvents,
    /// Adapter: applying a payment overwrites the status even of a terminal order.
    UnconditionalStatusUpdate,
    /// Adapter: the delivery store has no unique order id, so every payment event assigns one.
    NonIdempotentDelivery,
    /// Service: outbox-relay marks rows published before the broker acknowledges them.
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
