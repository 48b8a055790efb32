//! Named scenarios: each builds a seeded timeline. One family per file; `catalog` lists them
//! all in a fixed order.

mod catalog;
mod cluster;
mod crash;
mod data;
mod deploy;
mod kill;
mod long;
mod outage;
mod plan;
mod restart;
mod storm;
mod toxics;

pub use catalog::{AWAITING_FIXES, Scenario, catalog, find, offered};
pub use plan::Plan;
