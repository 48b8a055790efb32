//! The request loop every simulated backend shares: accept, then per connection read a request,
//! handle it, answer. A session idle past its timeout is closed, as a server's TCP keepalive or
//! session timeout would. While ambiguous commits are switched on for the host, some writes are
//! applied and then the connection is dropped before the answer: the client cannot tell. While
//! the host is black-holed, it reads requests and answers none, closing nothing.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use saga_core::ports::{Entropy, SeededEntropy};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::net::SimListener;
use crate::observe::Event;
use crate::wire::Framed;
use crate::world::World;

/// One client connection's server-side state. Dropping it releases whatever it held.
pub(super) trait Session {
    type Request: DeserializeOwned + std::fmt::Debug;
    type Response: Serialize;

    fn is_write(request: &Self::Request) -> bool;

    /// A short description for the trace.
    fn describe(request: &Self::Request) -> String;

    fn handle(&mut self, request: Self::Request) -> impl Future<Output = Self::Response>;
}

/// What a backend host's sessions share.
pub(super) struct Host {
    pub name: &'static str,
    pub world: Arc<World>,
    pub idle_timeout: Duration,
    /// Coins for ambiguous commits; seeded per host incarnation.
    pub entropy: SeededEntropy,
}

impl Host {
    pub fn start(name: &'static str, world: Arc<World>, idle_timeout: Duration) -> Self {
        let entropy = world.start_host(name);
        Self {
            name,
            world,
            idle_timeout,
            entropy,
        }
    }

    fn drop_reply(&self) -> bool {
        self.world
            .switches
            .ambiguous_rate(self.name)
            .is_some_and(|rate| self.entropy.coin(rate))
    }
}

/// Accepts connections on `port` forever, one session each.
pub(super) async fn serve<S, F>(host: Host, port: u16, mut open: F) -> io::Result<()>
where
    S: Session + 'static,
    F: FnMut(u64) -> S,
{
    let host = std::rc::Rc::new(host);
    let listener = SimListener::bind(port).await?;
    let mut sessions = 0;
    loop {
        let Ok((stream, _)) = listener.accept_raw().await else {
            continue;
        };
        sessions += 1;
        let session = open(sessions);
        tokio::task::spawn_local(run_session(host.clone(), stream, session));
    }
}

async fn run_session<S: Session>(
    host: std::rc::Rc<Host>,
    stream: crate::net::SimStream,
    mut session: S,
) {
    let mut framed = Framed::new(stream);
    loop {
        let request = match tokio::time::timeout(host.idle_timeout, framed.recv()).await {
            Ok(Ok(Some(request))) => request,
            // End of stream, a broken or silent connection: the session ends.
            _ => return,
        };
        if host.world.switches.black_holed(host.name) {
            // Read and lost, never answered; the connection stays open.
            let request = S::describe(&request);
            let event = Event::Swallowed {
                host: host.name,
                request,
            };
            host.world.emit(host.name, event);
            continue;
        }
        let dropped = (S::is_write(&request) && host.drop_reply()).then(|| S::describe(&request));
        let response = session.handle(request).await;
        if let Some(request) = dropped {
            host.world.emit(
                host.name,
                Event::ReplyDropped {
                    host: host.name,
                    request,
                },
            );
            return;
        }
        let sent = tokio::time::timeout(host.idle_timeout, framed.send(&response)).await;
        if !matches!(sent, Ok(Ok(()))) {
            return;
        }
    }
}
