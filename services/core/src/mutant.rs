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
    /// Service: delivery-worker commits the offset before assigning the courier. (In the
    /// payment worker the same bug is healed since issue 9: the reconciler re-drives the
    /// ORDER_CREATED of an order left PENDING; nothing re-drives an ORDER_COMPLETED.)
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
    // The subtle ones: each harmless until its fault comes.
    /// Service: the consumer loop retries a permanent handler error as if it were transient,
    /// forever (bites on data that can never be processed).
    PermanentAsTransient,
    /// Service: the consumer loop gives up on a record after about 10 s of transient failures
    /// and reports it handled (bites when a dependency is away longer: a long fault, while
    /// the member keeps its partitions by heartbeating, as a Kafka client does).
    GiveUpAfterTenSeconds,
    /// Service: order-status-worker commits past a payment it cannot apply (unknown order,
    /// foreign causation, contradiction) without dead-lettering it (bites on forged events).
    DropUnprocessable,
    /// Service: outbox-relay never runs its stuck-order reconciler (bites when Kafka loses an
    /// ORDER_CREATED it acknowledged).
    ReconcilerOff,
    /// Adapter: the decision store writes with SET, not set-if-absent, so a redelivered
    /// ORDER_CREATED is decided afresh (bites on any redelivery).
    OverwriteDecision,
    /// Adapter: applying a payment does not check that its causation is the order's
    /// ORDER_CREATED (bites on a payment with a foreign causation).
    IgnoreCausation,
}

impl Mutant {
    pub const ALL: [Mutant; 13] = [
        Mutant::OutboxOutsideTransaction,
        Mutant::CommitBeforeProcessing,
        Mutant::ForgetDecision,
        Mutant::SkipProcessedEvents,
        Mutant::UnconditionalStatusUpdate,
        Mutant::NonIdempotentDelivery,
        Mutant::MarkBeforePublish,
        Mutant::PermanentAsTransient,
        Mutant::GiveUpAfterTenSeconds,
        Mutant::DropUnprocessable,
        Mutant::ReconcilerOff,
        Mutant::OverwriteDecision,
        Mutant::IgnoreCausation,
    ];

    /// The mutants that are harmless without their fault (a run without faults passes).
    pub const SUBTLE: [Mutant; 6] = [
        Mutant::PermanentAsTransient,
        Mutant::GiveUpAfterTenSeconds,
        Mutant::DropUnprocessable,
        Mutant::ReconcilerOff,
        Mutant::OverwriteDecision,
        Mutant::IgnoreCausation,
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
            Self::PermanentAsTransient => "permanent-as-transient",
            Self::GiveUpAfterTenSeconds => "give-up-after-10s",
            Self::DropUnprocessable => "drop-unprocessable",
            Self::ReconcilerOff => "reconciler-off",
            Self::OverwriteDecision => "overwrite-decision",
            Self::IgnoreCausation => "ignore-causation",
        }
    }
}
