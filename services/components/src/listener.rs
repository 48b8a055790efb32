//! A listener of any world behind one type, so one registry entry can serve on a TCP listener
//! or a turmoil one: what a component's `run` is given.

use std::fmt::Debug;
use std::future::Future;
use std::io;
use std::pin::Pin;

use saga_runtime::Listener;
use saga_runtime::net::Io;

type Accepted<'a> = Pin<Box<dyn Future<Output = (Box<dyn Io>, String)> + Send + 'a>>;

trait AnyListener: Send + 'static {
    fn accept(&mut self) -> Accepted<'_>;
    fn local_addr(&self) -> io::Result<String>;
}

impl<L> AnyListener for L
where
    L: Listener,
    L::Addr: Debug,
{
    fn accept(&mut self) -> Accepted<'_> {
        Box::pin(async move {
            let (io, addr) = Listener::accept(self).await;
            (Box::new(io) as Box<dyn Io>, format!("{addr:?}"))
        })
    }

    fn local_addr(&self) -> io::Result<String> {
        Listener::local_addr(self).map(|addr| format!("{addr:?}"))
    }
}

/// Any [`Listener`]: its connections as boxed streams, its addresses as text.
pub struct BoxListener(Box<dyn AnyListener>);

impl BoxListener {
    pub fn new<L>(listener: L) -> Self
    where
        L: Listener,
        L::Addr: Debug,
    {
        Self(Box::new(listener))
    }
}

impl Listener for BoxListener {
    type Io = Box<dyn Io>;
    type Addr = String;

    fn accept(&mut self) -> impl Future<Output = (Self::Io, Self::Addr)> + Send {
        self.0.accept()
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn accepts_through_the_box() {
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let mut listener = BoxListener::new(tcp);
        assert_eq!(
            Listener::local_addr(&listener).unwrap(),
            format!("{addr:?}")
        );
        let client = tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            stream.write_all(b"ping").await.unwrap();
        });
        let (mut io, _) = Listener::accept(&mut listener).await;
        let mut buf = [0; 4];
        io.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");
        client.await.unwrap();
    }
}
