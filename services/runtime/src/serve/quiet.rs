//! Telling a client that sends its request head too slowly from one that is only quiet.
//! Hyper's header read timeout also runs while a keep-alive connection waits for its next
//! request, and ends both the same way; what tells them apart is whether any byte arrived since
//! the last answer. [`Counted`] counts the bytes read from the connection and [`Marking`] notes
//! the count each time an answer is ready (its request's body read by then). Pipelined bytes
//! read before an answer count as answered, so a slow head behind them is taken as quiet.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How a connection ended by the header read timeout was waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderTimeout {
    /// Part of a request head had arrived: the client is too slow (or a slowloris).
    MidHead,
    /// Nothing since the last answer, or since it connected: an idle connection closed.
    Quiet,
}

/// Bytes read from one connection, and how many had been read at its last answer.
#[derive(Debug, Default)]
pub struct ReadCount {
    read: AtomicU64,
    answered_at: AtomicU64,
}

impl ReadCount {
    pub fn timeout(&self) -> HeaderTimeout {
        if self.read.load(Ordering::Relaxed) > self.answered_at.load(Ordering::Relaxed) {
            HeaderTimeout::MidHead
        } else {
            HeaderTimeout::Quiet
        }
    }
}

/// A connection whose reads are counted.
pub struct Counted<T> {
    pub inner: T,
    pub count: Arc<ReadCount>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = (buf.filled().len() - before) as u64;
        self.count.read.fetch_add(read, Ordering::Relaxed);
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A service that notes the connection's read count when each answer is ready.
pub struct Marking<S> {
    pub inner: S,
    pub count: Arc<ReadCount>,
}

type Answer<R, E> = Pin<Box<dyn Future<Output = Result<R, E>> + Send>>;

impl<S, Q> hyper::service::Service<Q> for Marking<S>
where
    S: hyper::service::Service<Q>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Answer<S::Response, S::Error>;

    fn call(&self, request: Q) -> Self::Future {
        let answer = self.inner.call(request);
        let count = self.count.clone();
        Box::pin(async move {
            let answered = answer.await;
            let read = count.read.load(Ordering::Relaxed);
            count.answered_at.store(read, Ordering::Relaxed);
            answered
        })
    }
}
