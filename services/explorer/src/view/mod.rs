//! What the pages show, computed from one snapshot without I/O: the order list, one order's
//! journey, the dead letters, the saga's health.

pub mod dead_letters;
pub mod facts;
pub mod health;
pub mod journey;
pub mod orders;

pub use facts::Facts;
