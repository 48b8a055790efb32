//! Watching a run: every state transition the simulated backends, the workload and the fault
//! driver report becomes a timed [`Event`] in the trace; the [`Monitor`] checks the safety
//! properties on each transition as it happens, [`Coverage`] counts the faults and interleavings
//! that really fired, and the invariant checker (`saga-checker`) judges the final state.

pub mod allowances;
mod coverage;
mod event;
mod monitor;
mod observer;

pub use coverage::{Coverage, Signal};
pub use event::{Event, Loss};
pub use monitor::Monitor;
pub use observer::{Observer, TraceLine};
