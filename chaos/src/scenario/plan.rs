//! Building a timeline from a seed: the random choices a scenario makes (when, how long, how
//! bad, which victim) all come from one ChaCha stream seeded by the run's seed and the
//! scenario's name, so a scenario's timeline depends on nothing else.

use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use saga_components::Component;
use saga_core::fnv::Fnv1a;

use crate::stack::Backend;
use crate::timeline::{Action, Step, Timeline};
use crate::toxiproxy::{Stream, Toxic, ToxicKind};

/// A timeline under construction.
pub struct Plan {
    rng: ChaCha8Rng,
    duration: Duration,
    steps: Vec<Step>,
    toxics: u32,
}

impl Plan {
    pub fn new(seed: u64, scenario: &str, duration: Duration) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed ^ Fnv1a::of(scenario.as_bytes())),
            duration,
            steps: Vec::new(),
            toxics: 0,
        }
    }

    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// The schedule so far.
    pub fn finish(self) -> Timeline {
        Timeline::new(self.steps)
    }

    /// A uniform integer in `lo..=hi`.
    pub fn between(&mut self, lo: u32, hi: u32) -> u32 {
        self.rng.random_range(lo..=hi)
    }

    /// A uniform choice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.random_range(0..items.len())]
    }

    /// A point `lo`–`hi` (fractions of the duration) into the run, in whole milliseconds.
    pub fn point(&mut self, lo: f64, hi: f64) -> Duration {
        let ms = self.duration.as_millis() as f64;
        let at = self.rng.random_range(lo * ms..=hi * ms);
        Duration::from_millis(at as u64)
    }

    /// A fault window: starts 15–40 % into the run, lasts `min_ms`–`max_ms` (at most until
    /// 80 %), so there is load before, during and after it.
    pub fn window(&mut self, min_ms: u32, max_ms: u32) -> (Duration, Duration) {
        let start = self.point(0.15, 0.4);
        let latest = self.duration.mul_f64(0.8).max(start);
        let length = Duration::from_millis(u64::from(self.between(min_ms, max_ms)));
        (start, (start + length).min(latest))
    }

    /// Adds a step; nothing happens after 90 % of the run, so a late restart still comes
    /// before the heal.
    pub fn at(&mut self, at: Duration, action: Action) {
        let at = at.min(self.duration.mul_f64(0.9));
        self.steps.push(Step { at, action });
    }

    /// A toxic on `backend` from `from` to `to`.
    pub fn toxic(
        &mut self,
        backend: Backend,
        kind: ToxicKind,
        stream: Stream,
        window: (Duration, Duration),
    ) {
        self.toxics += 1;
        let name = format!("{}-{}", kind.type_name(), self.toxics);
        let toxic = Toxic::new(name.clone(), kind, stream);
        self.at(window.0, Action::AddToxic { backend, toxic });
        self.at(window.1, Action::RemoveToxic { backend, name });
    }

    /// The backend's proxy disabled from `from` to `to`.
    pub fn outage(&mut self, backend: Backend, window: (Duration, Duration)) {
        self.at(window.0, Action::Disable(backend));
        self.at(window.1, Action::Enable(backend));
    }

    /// Components SIGKILLed at `from` and restarted at `to`.
    pub fn kill(&mut self, victims: &[Component], window: (Duration, Duration)) {
        self.at(window.0, Action::Kill(victims.to_vec()));
        self.at(window.1, Action::Restart(victims.to_vec()));
    }

    /// The backend's server stopped at `from` and started at `to`.
    pub fn restart_backend(&mut self, backend: Backend, window: (Duration, Duration)) {
        self.at(window.0, Action::StopBackend(backend));
        self.at(window.1, Action::StartBackend(backend));
    }

    /// A seeded toxic of each kind with the parameters the scenarios use.
    pub fn latency(&mut self) -> ToxicKind {
        let latency_ms = self.between(150, 600);
        let jitter_ms = latency_ms * self.between(20, 50) / 100;
        ToxicKind::Latency {
            latency_ms,
            jitter_ms,
        }
    }

    pub fn timeout(&mut self) -> ToxicKind {
        // 0: data is dropped and the connection never closed while the toxic lasts.
        let timeout_ms = self.pick(&[0, 500, 1_000, 2_000]);
        ToxicKind::Timeout { timeout_ms }
    }

    pub fn reset_peer(&mut self) -> ToxicKind {
        ToxicKind::ResetPeer {
            timeout_ms: self.between(0, 500),
        }
    }

    pub fn bandwidth(&mut self) -> ToxicKind {
        ToxicKind::Bandwidth {
            rate_kb: self.between(2, 32),
        }
    }

    pub fn slicer(&mut self) -> ToxicKind {
        let average_size = self.between(8, 128);
        ToxicKind::Slicer {
            average_size,
            size_variation: average_size / 2,
            delay_us: self.between(100, 2_000),
        }
    }
}
