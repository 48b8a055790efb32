//! The fault model: a [`Schedule`] is an explicit list of timed faults drawn from the seed, so
//! it can be printed, replayed and shrunk; [`apply`] turns each into turmoil and backend actions.

mod apply;
mod class;
mod clock;
mod data;
mod deploy;
mod generate;
mod operator;
mod power;
mod replication;
mod schedule;
mod upgrade;

pub use apply::{end, heal, start};
pub use class::{AWAITING_FIXES, FaultClass, Mix, RULED_OUT_BY_REPLICATION};
pub use generate::generate;
pub use schedule::{
    ClockSkew, Fault, Forgery, OperatorAct, PoisonSize, Schedule, TimedFault, Unprocessable,
};
pub use upgrade::{UpgradeStep, previous_release};
