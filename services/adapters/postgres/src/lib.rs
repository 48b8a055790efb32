//! PostgreSQL adapters (sqlx): the order store with its transactional outbox and
//! LISTEN/NOTIFY wake-ups, the delivery worker's store, the consumers' dead-letter table and
//! the operators' actions on dead letters, the schema migrations and the start-up check that
//! they were applied, and the checker's snapshot reader. No sqlx type crosses a port: errors become `PortError`, and every
//! call has a client-side deadline (see `guard`).

mod audit_feed;
mod config;
mod dead_letter_ledger;
mod dead_letters;
mod delivery_store;
mod error;
mod guard;
mod housekeeping;
mod migrate;
mod order_store;
mod outbox;
mod payment;
mod reads;
mod rows;
mod schema;
mod snapshot;

pub use audit_feed::PgAuditFeed;
pub use config::{ConfigError, ConnectError, PgConfig};
pub use dead_letter_ledger::PgDeadLetterLedger;
pub use dead_letters::PgDeadLetters;
pub use delivery_store::PgDeliveryStore;
pub use guard::DEFAULT_CALL_TIMEOUT;
pub use migrate::{MigrateError, migrate};
pub use order_store::PgOrderStore;
pub use reads::{
    IndexedLetter, LetterGroup, LetterQuery, LetterRecord, OrderQuery, PgReads, SagaStats,
};
pub use schema::{MigrationName, Schema, SchemaError, check_schema};
pub use snapshot::{PgSnapshot, read_snapshot};

/// The backend name every error of this crate carries.
pub const BACKEND: &str = "PostgreSQL";

/// Re-exported so callers can hold a pool without depending on sqlx themselves.
pub use sqlx::PgPool;
