//! Named scenarios: each builds a seeded timeline. One family per file; `catalog` lists them
//! all in a fixed order.

mod catalog;
mod crash;
mod kill;
mod outage;
mod plan;
mod restart;
mod storm;
mod toxics;

pub use catalog::{Scenario, catalog, find, offered};
pub use plan::Plan;
