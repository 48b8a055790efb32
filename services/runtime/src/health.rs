//! A component's readiness as a shared flag its loops set and its `/health` endpoint reads.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a component is connected to what it needs. Clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct Health(Arc<AtomicBool>);

impl Health {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::Relaxed);
    }

    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
