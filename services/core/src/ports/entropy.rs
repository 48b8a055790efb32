//! Randomness as a port: event ids, correlation ids and payment coins all come from here, so
//! one seed reproduces a whole simulated run.

use std::sync::Mutex;

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::domain::{CorrelationId, EventId, TraceParent};

/// A source of random bits.
pub trait Entropy: Send + Sync + 'static {
    /// 64 uniformly random bits.
    fn next_u64(&self) -> u64;

    fn event_id(&self) -> EventId {
        EventId::from_random_bits(self.next_u128())
    }

    fn correlation_id(&self) -> CorrelationId {
        CorrelationId::from_random_bits(self.next_u128())
    }

    /// A new trace, for a request that arrived without one.
    fn new_trace(&self) -> TraceParent {
        TraceParent::from_random_bits(self.next_u128(), self.next_u64())
    }

    /// The next hop of `parent`'s trace: a new span id, the trace and flags kept.
    fn child_span(&self, parent: &TraceParent) -> TraceParent {
        parent.child(self.next_u64())
    }

    fn next_u128(&self) -> u128 {
        (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64())
    }

    /// True with probability `p` (clamped to 0..=1).
    fn coin(&self, p: f64) -> bool {
        // 53 bits give every representable probability step of an f64 in [0, 1).
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit < p.clamp(0.0, 1.0)
    }
}

/// The operating system's randomness (thread-local CSPRNG seeded by the OS).
#[derive(Debug, Clone, Copy, Default)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn next_u64(&self) -> u64 {
        rand::rng().random()
    }
}

/// A seeded ChaCha stream: the same seed gives the same sequence.
#[derive(Debug)]
pub struct SeededEntropy(Mutex<ChaCha8Rng>);

impl SeededEntropy {
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(ChaCha8Rng::seed_from_u64(seed)))
    }
}

impl Entropy for SeededEntropy {
    fn next_u64(&self) -> u64 {
        self.0.lock().unwrap().next_u64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let (a, b) = (SeededEntropy::new(9), SeededEntropy::new(9));
        let xs: Vec<_> = (0..8).map(|_| a.event_id()).collect();
        let ys: Vec<_> = (0..8).map(|_| b.event_id()).collect();
        assert_eq!(xs, ys);
        assert_ne!(SeededEntropy::new(10).event_id(), xs[0]);
    }

    #[test]
    fn coin_respects_extremes_and_rate() {
        let e = SeededEntropy::new(1);
        assert!((0..100).all(|_| e.coin(1.0)));
        assert!((0..100).all(|_| !e.coin(0.0)));
        let heads = (0..10_000).filter(|_| e.coin(0.7)).count();
        assert!((6_700..7_300).contains(&heads), "{heads}");
    }
}
