//! In-memory adapters with the same semantics as the real backends. The embedded demo runs on
//! them, and the simulation's PostgreSQL, Kafka and Redis hosts serve them over the network.
//!
//! Each keeps its state behind one `std::sync::Mutex` (never held across an await) in
//! ordered collections, so behaviour is deterministic for a given sequence of calls.

mod audit_feed;
mod dead_letter_ledger;
mod dead_letters;
mod decision_store;
mod delivery_store;
mod event_bus;
mod order_store;

pub use audit_feed::MemoryAuditFeed;
pub use dead_letter_ledger::MemoryDeadLetterLedger;
pub use dead_letters::MemoryDeadLetters;
pub use decision_store::MemoryDecisionStore;
pub use delivery_store::{DeliveryTable, MemoryDeliveryStore};
pub use event_bus::{MemoryConsumer, MemoryEventBus, partition_for};
pub use order_store::{ClaimId, MemoryOrderStore, OrderTables};
