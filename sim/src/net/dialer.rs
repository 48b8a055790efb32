//! `saga_runtime::net::Dialer` over turmoil TCP. turmoil's connect waits forever for a SYN-ACK
//! on a held link, so the dialer bounds it, as a kernel's SYN retries eventually do.

use std::io;
use std::time::Duration;

use async_trait::async_trait;
use saga_runtime::net::{Dialer, Io};

use super::SimStream;

/// Opens simulated TCP connections by host name.
#[derive(Debug, Clone, Copy)]
pub struct SimDialer {
    pub connect_timeout: Duration,
}

impl Default for SimDialer {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_millis(500),
        }
    }
}

impl SimDialer {
    /// Connects to `host:port`, returning the concrete turmoil stream.
    ///
    /// # Errors
    /// Refused (nothing listening, or a partition dropped the SYN) or timed out.
    pub async fn connect(&self, host: &str, port: u16) -> io::Result<SimStream> {
        match tokio::time::timeout(
            self.connect_timeout,
            turmoil::net::TcpStream::connect((host, port)),
        )
        .await
        {
            Ok(connected) => connected.map(SimStream::new),
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("connect to {host}:{port} timed out"),
            )),
        }
    }
}

#[async_trait]
impl Dialer for SimDialer {
    async fn dial(&self, host: &str, port: u16) -> io::Result<Box<dyn Io>> {
        Ok(Box::new(self.connect(host, port).await?))
    }
}
