//! Outbound network edge: a [`Dialer`] opens byte streams, and [`http_client`] builds a pooled
//! HTTP client on top of whichever dialer it is given (TCP here, turmoil in the simulation).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use async_trait::async_trait;
use bytes::Bytes;
use http::Uri;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A bidirectional byte stream.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// Opens connections to `host:port`.
#[async_trait]
pub trait Dialer: Send + Sync + 'static {
    /// # Errors
    /// The I/O error of the failed connect (refused, unreachable, timed out).
    async fn dial(&self, host: &str, port: u16) -> io::Result<Box<dyn Io>>;
}

/// Dials real TCP with `TCP_NODELAY` (request/response traffic, no batching benefit).
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpDialer;

#[async_trait]
impl Dialer for TcpDialer {
    async fn dial(&self, host: &str, port: u16) -> io::Result<Box<dyn Io>> {
        let stream = tokio::net::TcpStream::connect((host, port)).await?;
        stream.set_nodelay(true)?;
        Ok(Box::new(stream))
    }
}

/// A dialed stream, made usable by hyper's pooled client.
pub struct Dialed(Box<dyn Io>);

impl Connection for Dialed {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl AsyncRead for Dialed {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Dialed {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

/// Adapts a [`Dialer`] to hyper-util's connector interface.
#[derive(Clone)]
pub struct DialConnector(Arc<dyn Dialer>);

impl tower_service::Service<Uri> for DialConnector {
    type Response = TokioIo<Dialed>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let dialer = self.0.clone();
        Box::pin(async move {
            let host = uri
                .host()
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "URI has no host"))?
                .to_owned();
            let port = uri.port_u16().unwrap_or(80);
            Ok(TokioIo::new(Dialed(dialer.dial(&host, port).await?)))
        })
    }
}

/// The HTTP client components use to call each other.
pub type HttpClient = Client<DialConnector, Full<Bytes>>;

/// A pooled HTTP/1.1 client whose connections come from `dialer`.
pub fn http_client(dialer: Arc<dyn Dialer>) -> HttpClient {
    Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(std::time::Duration::from_secs(30))
        .build(DialConnector(dialer))
}

/// Sends `request` and reads the whole answer: its status and body.
///
/// # Errors
/// Why the request failed or the body could not be read.
pub async fn exchange(
    client: &HttpClient,
    request: http::Request<Full<Bytes>>,
) -> Result<(http::StatusCode, Bytes), String> {
    use http_body_util::BodyExt;
    let response = client.request(request).await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    Ok((status, body.to_bytes()))
}
