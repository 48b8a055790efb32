//! Each service host's shutdown: the future its component runs until, as SIGTERM is on the real
//! stack. A deploy (`fault::deploy`) resolves it; a crash never does. Each incarnation also
//! says whether it got past its start-up (it listens), since a stop that lands while a host
//! still waits for a backend must end it at once.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;

use tokio::sync::watch;

/// Where a host's running incarnation was when its stop was requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Still starting: reaching its backends, not yet listening.
    Starting,
    /// Listening and working.
    Serving,
}

#[derive(Debug)]
struct Incarnation {
    stop: watch::Sender<bool>,
    phase: Phase,
    /// The phase its stop found it in, once requested.
    stopped_in: Option<Phase>,
}

/// The shutdown switch and phase of every running incarnation, by host.
#[derive(Debug, Default)]
pub struct Stops(Mutex<BTreeMap<&'static str, Incarnation>>);

impl Stops {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, Incarnation>> {
        self.0.lock().expect("stops lock poisoned")
    }

    /// The shutdown of `host`'s new incarnation (replacing its last one's), which starts.
    pub fn register(&self, host: &'static str) -> impl Future<Output = ()> + Send + 'static {
        let (stop, mut stopped) = watch::channel(false);
        let incarnation = Incarnation {
            stop,
            phase: Phase::Starting,
            stopped_in: None,
        };
        self.lock().insert(host, incarnation);
        async move {
            if stopped.wait_for(|stop| *stop).await.is_err() {
                // Replaced by a newer incarnation: this one was crashed, never stopped.
                std::future::pending::<()>().await;
            }
        }
    }

    /// `host`'s running incarnation got past its start-up.
    pub fn serving(&self, host: &str) {
        if let Some(incarnation) = self.lock().get_mut(host) {
            incarnation.phase = Phase::Serving;
        }
    }

    /// Resolves the shutdown of `host`'s running incarnation; the phase it found it in, or
    /// `None` when it had none.
    pub fn request(&self, host: &str) -> Option<Phase> {
        let mut stops = self.lock();
        let incarnation = stops.get_mut(host)?;
        incarnation.stop.send(true).ok()?;
        incarnation.stopped_in = Some(incarnation.phase);
        Some(incarnation.phase)
    }

    /// The phase the stop of `host`'s running incarnation found it in, if it was stopped.
    pub fn stopped_in(&self, host: &str) -> Option<Phase> {
        self.lock().get(host).and_then(|i| i.stopped_in)
    }
}
