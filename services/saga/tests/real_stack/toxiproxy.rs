//! A Toxiproxy proxy of the test's own, on the stack's Toxiproxy server, in front of
//! PostgreSQL: faults go on it alone, never on the shared proxies other people's components use.

use std::net::SocketAddr;

use crate::backends::Backends;
use crate::http::send;

/// A proxy `e2e-…-postgres` listening on a free loopback port.
pub struct Proxy {
    api: SocketAddr,
    name: String,
    listen: u16,
}

fn api_addr(backends: &Backends) -> SocketAddr {
    let hostport = backends
        .toxiproxy
        .trim_start_matches("http://")
        .trim_end_matches('/');
    hostport.parse().expect("TOXIPROXY_URL is host:port")
}

/// `host:port` of a `postgres://user:pass@host:port/db` URL.
fn upstream(url: &str) -> String {
    let after_at = url.rsplit('@').next().unwrap_or(url);
    after_at.split('/').next().unwrap_or(after_at).to_owned()
}

impl Proxy {
    /// Creates the proxy, forwarding to the direct PostgreSQL address.
    pub async fn create(backends: &Backends, prefix: &str) -> Self {
        let api = api_addr(backends);
        let listen = saga_harness::free_port(&[]).expect("a free port");
        let name = format!("{prefix}postgres");
        let body = format!(
            r#"{{"name":"{name}","listen":"127.0.0.1:{listen}","upstream":"{}","enabled":true}}"#,
            upstream(&backends.database_direct)
        );
        let status = send(api, "POST", "/proxies", Some(&body)).await;
        assert_eq!(status, Some(201), "creating proxy {name}");
        Self { api, name, listen }
    }

    /// `host:port` this proxy listens on.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.listen)
    }

    /// Data in both directions dropped, connections left open: a black hole.
    pub async fn black_hole(&self) {
        for stream in ["upstream", "downstream"] {
            let body = format!(
                r#"{{"name":"hole-{stream}","type":"timeout","stream":"{stream}","toxicity":1.0,"attributes":{{"timeout":0}}}}"#
            );
            let path = format!("/proxies/{}/toxics", self.name);
            let status = send(self.api, "POST", &path, Some(&body)).await;
            assert_eq!(status, Some(200), "adding the {stream} black hole");
        }
    }

    /// Removes the black hole.
    pub async fn heal(&self) {
        for stream in ["upstream", "downstream"] {
            let path = format!("/proxies/{}/toxics/hole-{stream}", self.name);
            let status = send(self.api, "DELETE", &path, None).await;
            assert_eq!(status, Some(204), "removing the {stream} black hole");
        }
    }
}

impl Drop for Proxy {
    /// Deletes the proxy (and its toxics), even when the test failed: a blocking request, as
    /// `Drop` cannot await.
    fn drop(&mut self) {
        use std::io::{Read, Write};
        let Ok(mut stream) = std::net::TcpStream::connect(self.api) else {
            return;
        };
        let request = format!(
            "DELETE /proxies/{} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.name, self.api
        );
        let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
        let _ = stream.write_all(request.as_bytes());
        let _ = stream.read(&mut [0_u8; 64]);
    }
}
