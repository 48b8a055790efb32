//! Every saga component, listed once, and the one way to run one.
//!
//! A [`Component`] entry in [`registry`] names the component, says what it serves, which
//! backends it reaches and which components it calls, and holds the function that builds the
//! component from an [`Environment`] and runs its library's `run`. The real stack
//! (`saga <component>`, `saga all`), the embedded demo (`saga demo`) and the simulation each
//! supply only their environment — real or in-memory or simulated adapters, a TCP or turmoil
//! listener and dialer, a system or simulated clock, OS or seeded entropy — and call [`run`]
//! (or start them all with [`Running`]). A new component is its library plus one entry in
//! [`registry`]; the command line, the demo, the simulation and the harnesses pick it up.

mod component;
mod environment;
mod listener;
pub mod registry;
mod running;

pub use component::{
    Backend, Component, ComponentError, Context, Serves, Shutdown, Started, Upstream, run,
};
pub use environment::{BoxError, Environment};
pub use listener::BoxListener;
pub use registry::COMPONENTS;
pub use running::{Running, Stopped};
