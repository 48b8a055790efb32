//! Exponential backoff for retrying transient failures, capped, optionally jittered, and cut
//! short by shutdown.

use std::sync::Arc;
use std::time::Duration;

use saga_core::ports::Entropy;
use tokio_util::sync::CancellationToken;

/// Doubling delays from `initial` up to `max`.
#[derive(Clone)]
pub struct Backoff {
    next: Duration,
    initial: Duration,
    max: Duration,
    /// Spreads each delay over its upper half, so members retrying against one recovering
    /// dependency do not arrive in lockstep. From the injected entropy: seeded in the simulation.
    jitter: Option<Arc<dyn Entropy>>,
}

impl std::fmt::Debug for Backoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backoff")
            .field("next", &self.next)
            .field("max", &self.max)
            .field("jitter", &self.jitter.is_some())
            .finish()
    }
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self {
            next: initial,
            initial,
            max,
            jitter: None,
        }
    }

    /// The same backoff with each delay drawn uniformly from its upper half.
    pub fn with_jitter(mut self, entropy: Arc<dyn Entropy>) -> Self {
        self.jitter = Some(entropy);
        self
    }

    /// 10 ms doubling to 1 s: for retries inside a running service.
    pub fn service() -> Self {
        Self::new(Duration::from_millis(10), Duration::from_secs(1))
    }

    /// The delay to wait now; the next one doubles.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        match &self.jitter {
            Some(entropy) => {
                let half = delay / 2;
                let spread = half.as_micros() as u64 + 1;
                half + Duration::from_micros(entropy.next_u64() % spread)
            }
            None => delay,
        }
    }

    pub fn reset(&mut self) {
        self.next = self.initial;
    }

    /// Sleeps for the next delay. Returns false (early) when `shutdown` fires.
    pub async fn wait(&mut self, shutdown: &CancellationToken) -> bool {
        let delay = self.next_delay();
        tokio::select! {
            biased;
            () = shutdown.cancelled() => false,
            () = tokio::time::sleep(delay) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(10), Duration::from_millis(35));
        let delays: Vec<_> = (0..4).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(delays, [10, 20, 35, 35]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(10));
    }

    #[test]
    fn jitter_keeps_each_delay_in_its_upper_half() {
        let entropy = Arc::new(saga_core::ports::SeededEntropy::new(3));
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(400))
            .with_jitter(entropy);
        let delays: Vec<_> = (0..6).map(|_| b.next_delay().as_millis()).collect();
        for (delay, full) in delays.iter().zip([100, 200, 400, 400, 400, 400]) {
            assert!((full / 2..=full).contains(delay), "{delays:?}");
        }
        assert!(delays.windows(2).any(|w| w[0] != w[1]), "{delays:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_cuts_the_wait_short() {
        let token = CancellationToken::new();
        token.cancel();
        assert!(
            !Backoff::new(Duration::from_secs(60), Duration::from_secs(60))
                .wait(&token)
                .await
        );
    }
}
