//! The faults in the data that both harnesses inject — poison records, forged payment events,
//! one order made unprocessable — as plain values (serialisable, so a plan can carry them) and
//! pure functions over the saga's state. A target is chosen, and a record built, here and only
//! here: the simulation and the chaos runner read the state, call these and write the result,
//! so one named fault means the same thing in both worlds. Randomness comes in as an
//! [`Entropy`](saga_core::ports::Entropy): seeded in the simulation, the OS's on the real stack.

mod decision;
mod forgery;
mod operator;
pub mod plan;
mod poison;
mod quarantine;

pub use decision::{decision_of, flip};
pub use forgery::{Forged, Forgery, forged_message, target};
pub use operator::OperatorAct;
pub use poison::{PoisonSize, poison_message, poison_payload};
pub use quarantine::{Unprocessable, candidates};
