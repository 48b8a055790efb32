//! The sim adapters: each port implemented as a client of a simulated backend host, speaking the
//! [`crate::wire`] protocol over turmoil TCP. Every call has a deadline, so a crash or partition
//! surfaces to the service as a genuine `PortError::Timeout` or `Unavailable` whose effect on the
//! backend is unknown, exactly as with the real drivers.

mod conn;
mod consumer;
mod dead_letter_ledger;
mod dead_letters;
mod decision_store;
mod delivery_store;
mod event_bus;
mod order_store;
mod pool;

pub use conn::Endpoint;
pub use consumer::SimConsumer;
pub use dead_letter_ledger::SimDeadLetterLedger;
pub use dead_letters::SimDeadLetters;
pub use decision_store::SimDecisionStore;
pub use delivery_store::SimDeliveryStore;
pub use event_bus::SimEventBus;
pub use order_store::SimOrderStore;

use saga_core::ports::PortError;

/// A response the client did not expect: a protocol bug, not a transient failure.
fn unexpected(backend: &'static str, response: impl std::fmt::Debug) -> PortError {
    PortError::rejected(backend, format!("unexpected response {response:?}"))
}
