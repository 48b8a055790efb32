//! Each service host's shutdown: the future its component runs until, as SIGTERM is on the real
//! stack. A deploy (`fault::deploy`) resolves it; a crash never does.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;

use tokio::sync::watch;

/// The shutdown switch of every running incarnation, by host.
#[derive(Debug, Default)]
pub struct Stops(Mutex<BTreeMap<&'static str, watch::Sender<bool>>>);

impl Stops {
    /// The shutdown of `host`'s new incarnation (replacing its last one's).
    pub fn register(&self, host: &'static str) -> impl Future<Output = ()> + Send + 'static {
        let (stop, mut stopped) = watch::channel(false);
        self.0
            .lock()
            .expect("stops lock poisoned")
            .insert(host, stop);
        async move {
            if stopped.wait_for(|stop| *stop).await.is_err() {
                // Replaced by a newer incarnation: this one was crashed, never stopped.
                std::future::pending::<()>().await;
            }
        }
    }

    /// Resolves the shutdown of `host`'s running incarnation; whether it had one.
    pub fn request(&self, host: &str) -> bool {
        let stops = self.0.lock().expect("stops lock poisoned");
        stops.get(host).is_some_and(|stop| stop.send(true).is_ok())
    }
}
