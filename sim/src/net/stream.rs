//! A turmoil TCP stream whose drop during a host crash sends nothing.
//!
//! turmoil crashes a host by dropping its tokio runtime, and tokio drops a runtime's spawned
//! tasks in an order derived from process-wide task ids: it depends on everything the process
//! spawned before, on other threads too. If each dropped stream sent its FIN or RST then, the
//! packets (and the latencies drawn for them from the seeded network RNG) would follow that
//! order, and a seed would not replay the same inside a sweep as on its own. So a crash is
//! modelled as a machine losing power: its connections vanish silently, and peers learn of it
//! the way they would — a deadline, a session timeout, or an RST when they next send.

use std::cell::{Cell, RefCell};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

thread_local! {
    static CRASHING: Cell<bool> = const { Cell::new(false) };
    static SILENCED: RefCell<Vec<turmoil::net::TcpStream>> = const { RefCell::new(Vec::new()) };
}

/// A simulated TCP connection.
#[derive(Debug)]
pub struct SimStream(Option<turmoil::net::TcpStream>);

impl SimStream {
    pub fn new(stream: turmoil::net::TcpStream) -> Self {
        Self(Some(stream))
    }

    fn inner(&mut self) -> &mut turmoil::net::TcpStream {
        self.0.as_mut().expect("a live stream has its socket")
    }
}

impl Drop for SimStream {
    fn drop(&mut self) {
        if CRASHING.get() {
            if let Some(stream) = self.0.take() {
                SILENCED.with_borrow_mut(|s| s.push(stream));
            }
        }
    }
}

/// Runs `crash` (a `Sim::crash`) so that the streams it drops send nothing.
pub fn crash_silently<R>(crash: impl FnOnce() -> R) -> R {
    CRASHING.set(true);
    let result = crash();
    CRASHING.set(false);
    // Outside the simulation's world a turmoil stream's drop sends no segment.
    drop(SILENCED.take());
    result
}

impl AsyncRead for SimStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(self.inner()).poll_read(cx, buf)
    }
}

impl AsyncWrite for SimStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(self.inner()).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(self.inner()).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(self.inner()).poll_shutdown(cx)
    }
}
