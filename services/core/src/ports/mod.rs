//! The ports: every capability a service needs from the outside world, as traits whose docs
//! state the contract each adapter MUST keep. `saga-contract` checks those clauses against
//! every adapter (memory, PostgreSQL, Kafka, Redis, simulation).

mod audit_feed;
mod clock;
mod dead_letter_ledger;
mod dead_letters;
mod decision_store;
mod delivery_store;
mod entropy;
mod error;
mod event_bus;
mod order_store;
pub mod startup;

pub use audit_feed::{AuditFeed, CreatedOrder};
pub use clock::{Clock, DriftClock, FixedClock, OffsetClock, SystemClock};
pub use dead_letter_ledger::{DeadLetterAction, DeadLetterActionKind, DeadLetterLedger};
pub use dead_letters::DeadLetterStore;
pub use decision_store::DecisionStore;
pub use delivery_store::{AssignOutcome, DeliveryAssignment, DeliveryStore};
pub use entropy::{Entropy, OsEntropy, SeededEntropy};
pub use error::PortError;
pub use event_bus::{
    Consumer, DEFAULT_MAX_MESSAGE_BYTES, Delivery, EventBus, OutgoingMessage, ReplayMark,
};
pub use order_store::{
    ApplyOutcome, CreateOutcome, NewOrder, OrderStore, OutboxBacklog, OutboxClaim, OutboxRecord,
    PaymentApplication, PruneCutoffs, Pruned, Redrive, StatusChange,
};
