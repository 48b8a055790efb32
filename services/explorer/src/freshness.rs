//! How fresh the explorer's view is: every read a page makes is recorded here, and `/health`
//! answers from it at once, 503 when no read has succeeded for longer than the bound, so an
//! orchestrator sees an explorer that can no longer read the saga.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use saga_core::ports::PortError;
use tokio::time::Instant;

#[derive(Default)]
struct Seen {
    good: Option<Instant>,
    error: Option<String>,
}

/// The outcome of the latest reads.
#[derive(Default)]
pub struct Freshness {
    seen: Mutex<Seen>,
    probing: AtomicBool,
}

/// What `/health` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Fresh,
    /// No read has succeeded yet.
    Starting(Option<String>),
    /// The last good read is older than the bound.
    Stale {
        age: Duration,
        error: Option<String>,
    },
}

impl Freshness {
    /// Records how one read went.
    pub fn record<T>(&self, read: &Result<T, PortError>) {
        let mut seen = self.seen.lock().expect("freshness lock");
        match read {
            Ok(_) => {
                seen.good = Some(Instant::now());
                seen.error = None;
            }
            Err(error) => seen.error = Some(error.to_string()),
        }
    }

    /// Whether a read succeeded within `bound`.
    pub fn verdict(&self, bound: Duration) -> Verdict {
        let seen = self.seen.lock().expect("freshness lock");
        match seen.good {
            None => Verdict::Starting(seen.error.clone()),
            Some(at) if at.elapsed() <= bound => Verdict::Fresh,
            Some(at) => Verdict::Stale {
                age: at.elapsed(),
                error: seen.error.clone(),
            },
        }
    }

    /// Whether a probe should start now: the last good read is older than `every` and no probe
    /// is running. The caller must call [`Self::probed`] when its probe ends.
    pub fn should_probe(&self, every: Duration) -> bool {
        let due = {
            let seen = self.seen.lock().expect("freshness lock");
            seen.good.is_none_or(|at| at.elapsed() >= every)
        };
        due && !self.probing.swap(true, Ordering::SeqCst)
    }

    pub fn probed(&self) {
        self.probing.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn stale_after_the_bound_without_a_good_read() {
        let fresh = Freshness::default();
        let down = Err::<(), _>(PortError::unavailable("PostgreSQL", "refused"));
        fresh.record(&down);
        assert!(matches!(
            fresh.verdict(Duration::from_secs(30)),
            Verdict::Starting(Some(_))
        ));
        fresh.record(&Ok::<(), PortError>(()));
        assert_eq!(fresh.verdict(Duration::from_secs(30)), Verdict::Fresh);
        tokio::time::advance(Duration::from_secs(31)).await;
        fresh.record(&down);
        let Verdict::Stale { age, error } = fresh.verdict(Duration::from_secs(30)) else {
            panic!("31 s without a good read is stale");
        };
        assert_eq!(age, Duration::from_secs(31));
        assert!(error.unwrap().contains("refused"));
        assert!(fresh.should_probe(Duration::from_secs(3)));
        assert!(
            !fresh.should_probe(Duration::from_secs(3)),
            "one probe at a time"
        );
        fresh.probed();
        assert!(fresh.should_probe(Duration::from_secs(3)));
    }
}
