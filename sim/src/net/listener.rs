//! `axum::serve::Listener` for a turmoil TCP listener, so axum serves the production routers on
//! the simulated network unchanged.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use saga_runtime::Listener;

use super::SimStream;

/// A turmoil TCP listener bound on all of the host's addresses.
pub struct SimListener(turmoil::net::TcpListener);

impl SimListener {
    /// Binds `0.0.0.0:port` on the current simulated host.
    ///
    /// # Errors
    /// When the port is already bound on this host.
    pub async fn bind(port: u16) -> io::Result<Self> {
        turmoil::net::TcpListener::bind(("0.0.0.0", port))
            .await
            .map(Self)
    }

    /// Accepts the next connection, surfacing errors (the infrastructure servers use this).
    ///
    /// # Errors
    /// The accept error.
    pub async fn accept_raw(&self) -> io::Result<(SimStream, SocketAddr)> {
        let (stream, peer) = self.0.accept().await?;
        Ok((SimStream::new(stream), peer))
    }
}

impl Listener for SimListener {
    type Io = SimStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, peer)) => return (SimStream::new(stream), peer),
                // As axum does for real sockets: back off briefly, then accept again.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}
