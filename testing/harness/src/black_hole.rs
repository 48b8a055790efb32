//! A TCP proxy on a loopback port that can turn into a black hole: while it is one, every byte
//! in either direction is dropped and every connection stays open — a link that stops
//! answering without failing, which client-side deadlines must bound. In-process, so an
//! adapter test needs no Toxiproxy and disturbs nobody.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// A running proxy; it stops with the runtime that started it.
#[derive(Debug, Clone)]
pub struct BlackHole {
    port: u16,
    hole: Arc<AtomicBool>,
}

impl BlackHole {
    /// A proxy to `upstream` (`host:port`), passing data until [`BlackHole::swallow`].
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let port = listener.local_addr().expect("bound").port();
        let hole = Arc::new(AtomicBool::new(false));
        let (flag, upstream) = (hole.clone(), upstream.to_owned());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pump(client_read, server_write, flag.clone()));
                tokio::spawn(pump(server_read, client_write, flag.clone()));
            }
        });
        Self { port, hole }
    }

    /// The port clients connect to instead of the upstream's.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// From now on, drop everything (connections stay open).
    pub fn swallow(&self) {
        self.hole.store(true, Ordering::SeqCst);
    }

    /// Pass data again. What was dropped stays lost.
    pub fn heal(&self) {
        self.hole.store(false, Ordering::SeqCst);
    }
}

/// Copies bytes from `from` to `to`, dropping them while `hole` is set.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, hole: Arc<AtomicBool>) {
    let mut buffer = vec![0_u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buffer).await {
        if n == 0 {
            return;
        }
        if !hole.load(Ordering::SeqCst) && to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}
