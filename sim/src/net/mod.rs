//! The simulated network edges: the inbound [`SimListener`] every component serves on and the
//! outbound [`SimDialer`] the gateway and the sim adapters connect through, both over turmoil TCP.

mod dialer;
mod listener;
mod stream;

pub use dialer::SimDialer;
pub use listener::SimListener;
pub use stream::{SimStream, crash_silently};
