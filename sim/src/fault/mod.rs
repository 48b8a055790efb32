//! The fault model: a [`Schedule`] is an explicit list of timed faults drawn from the seed, so
//! it can be printed, replayed and shrunk; [`apply`] turns each into turmoil and backend actions.

mod apply;
mod generate;
mod schedule;

pub use apply::{end, heal, start};
pub use generate::generate;
pub use schedule::{Fault, Schedule, TimedFault};
