//! The command line of `saga-bench`: one file a mode.

pub mod cleanup;
pub mod explore;
pub mod figure;
pub mod history;
pub mod load;
pub mod outbox_drain;
pub mod summary;
