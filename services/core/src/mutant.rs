//! Deliberately broken variants of the saga, for the simulation to prove the checker has
//! teeth. A mutant exists only in the simulation's seeded build: [`active`] is a constant
//! `false` unless the crate is compiled with `--cfg saga_mutants`, which only that build sets
//! (`sim/src/seeded.rs`, `scripts/sim`), so every mutant branch compiles away from a release
//! binary, which holds no mutant's name either (the names live in `sim`). The harness chooses
//! one per run in Rust code ([`install`], from `sim`'s run): no environment variable, flag or
//! cargo feature reaches a mutant, and no real adapter (`services/adapters`) implements one.
//!
//! # Adding a mutant
//! 1. A variant here with a one-line doc of the bug, and its place in [`Mutant::ALL`]; its name
//!    in `sim/src/mutants.rs`.
//! 2. The bug, where it would live in real code:
//!    - **in a service** (when it commits, what it does with an event, how it retries): a check
//!      of [`active`] where the bug would be, as the payment worker's decision and the relay's
//!      mark do;
//!    - **in an adapter** (the SQL or commands a store sends: transactions, constraints,
//!      locks): only in the simulation. A wrong but atomic transaction goes in
//!      `sim/src/infra/mutated.rs`, run by the simulated backend on the memory model's tables;
//!      a bug that needs a crash window between two steps is two requests sent by the
//!      simulation's adapter (`sim/src/adapters/`), as `OutboxOutsideTransaction` is.
//! 3. `scripts/sim mutants` hunts it, and `sim/tests/mutants.rs` fails until
//!    the harness catches it; add its row to the mutant table in sim/README.md.

/// One deliberate bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mutant {
    /// Adapter: the order store writes the outbox row in a second transaction after the
    /// order's.
    OutboxOutsideTransaction,
    /// Service: delivery-worker commits the offset before assigning the courier. (In the
    /// payment worker the same bug is healed: the reconciler re-drives the
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
    /// Service: the consumer loop, stopped while a batch is being handled, commits the whole
    /// fetched batch on the way out instead of finishing it (bites on a graceful stop: a
    /// deploy; a crash never runs the stop path).
    CommitFetchedOnStop,
    /// Service: outbox-relay publishes rows without their trace context (no `traceparent`
    /// header), so the order's trace breaks at Kafka.
    DropTraceHeader,
    /// Adapter: the order store stamps the rows it writes with the writing component's clock
    /// instead of its own, so retention compares two hosts' clocks (bites on a skewed clock).
    WriterClockStamps,
    /// Service: a dead-letter replay is recorded in the ledger before its copy is published,
    /// so a publish that fails leaves the letter closed with nothing replayed (bites on an
    /// operator's replay whose publish fails).
    RecordReplayBeforePublish,
    /// Service: a component stopped while it still waits for a backend at start-up keeps
    /// waiting, since its stop is first listened for once it runs (bites on a deploy that
    /// lands during a restart's start-up).
    IgnoreStopDuringStartUp,
    /// Service: the redelivery window is the topic's `retention.ms` alone, as if Kafka deleted
    /// record by record and nothing were re-published, so dedup state sized by it is pruned
    /// while a segment's oldest records can still be read (bites on a group that starts again
    /// from the earliest offset: its committed offsets expired while it had no member).
    WindowIsRetentionOnly,
    /// Service: the release that learns to read envelope schema 2 also writes it by default,
    /// so a writer upgraded in a mixed-version deploy sends events its old readers refuse
    /// (bites only while a reader of the previous release still runs).
    WriteNewestSchema,
}

impl Mutant {
    pub const ALL: [Mutant; 20] = [
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
        Mutant::CommitFetchedOnStop,
        Mutant::DropTraceHeader,
        Mutant::WriterClockStamps,
        Mutant::RecordReplayBeforePublish,
        Mutant::IgnoreStopDuringStartUp,
        Mutant::WindowIsRetentionOnly,
        Mutant::WriteNewestSchema,
    ];

    /// The mutants that are harmless without their fault (a run without faults passes).
    pub const SUBTLE: [Mutant; 12] = [
        Mutant::PermanentAsTransient,
        Mutant::GiveUpAfterTenSeconds,
        Mutant::DropUnprocessable,
        Mutant::ReconcilerOff,
        Mutant::OverwriteDecision,
        Mutant::IgnoreCausation,
        Mutant::CommitFetchedOnStop,
        Mutant::WriterClockStamps,
        Mutant::RecordReplayBeforePublish,
        Mutant::IgnoreStopDuringStartUp,
        Mutant::WindowIsRetentionOnly,
        Mutant::WriteNewestSchema,
    ];
}

/// Whether this build can run mutants at all (the simulation's seeded build).
pub fn compiled() -> bool {
    cfg!(saga_mutants)
}

pub use switch::{Installed, active, install};

#[cfg(saga_mutants)]
mod switch {
    use std::cell::Cell;

    use super::Mutant;

    // The simulation plays a seed on one thread (turmoil runs every host there), so the run's
    // mutant is per thread: seeds played side by side on other threads keep their own.
    thread_local! {
        static ACTIVE: Cell<Option<Mutant>> = const { Cell::new(None) };
    }

    /// Whether `mutant` is the bug of the run on this thread.
    pub fn active(mutant: Mutant) -> bool {
        ACTIVE.with(|active| active.get() == Some(mutant))
    }

    /// Makes `mutant` the bug of this thread's run until the returned guard is dropped.
    pub fn install(mutant: Option<Mutant>) -> Installed {
        Installed {
            previous: ACTIVE.with(|active| active.replace(mutant)),
        }
    }

    /// Restores the thread's previous mutant when dropped.
    #[must_use = "the mutant is uninstalled when this is dropped"]
    pub struct Installed {
        previous: Option<Mutant>,
    }

    impl Drop for Installed {
        fn drop(&mut self) {
            ACTIVE.with(|active| active.set(self.previous));
        }
    }
}

#[cfg(not(saga_mutants))]
mod switch {
    use super::Mutant;

    /// Always `false`: this build has no mutants, so every mutant branch compiles away.
    #[inline(always)]
    pub const fn active(_mutant: Mutant) -> bool {
        false
    }

    /// Refuses any mutant: only the simulation's seeded build (`--cfg saga_mutants`) has them.
    ///
    /// # Panics
    /// When `mutant` is `Some`: a run that asked for a bug this build cannot play would pass
    /// and be taken for a mutant the harness missed.
    pub fn install(mutant: Option<Mutant>) -> Installed {
        assert!(
            mutant.is_none(),
            "mutants exist only in the simulation's seeded build (--cfg saga_mutants: scripts/sim)"
        );
        Installed
    }

    /// Nothing to restore in a build without mutants.
    #[must_use = "the mutant is uninstalled when this is dropped"]
    pub struct Installed;
}
