//! The header timeout on a quiet connection: a keep-alive connection that says nothing after
//! its answer is closed, and counted as idle, not as a rejection. Its own test binary, so no
//! other test's rejection shares its metrics recorder.

mod common;

use std::time::Duration;

use common::{http_get, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The value of the metric line that starts with `wanted`, 0 without one.
async fn counter(addr: std::net::SocketAddr, wanted: &str) -> String {
    let metrics = http_get(addr, "/metrics").await;
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(wanted))
        .unwrap_or("0")
        .to_owned()
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_but_not_counted_as_a_rejection() {
    let addr = serve(&[("API_HEADER_TIMEOUT_SECONDS", "1")]).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut reply = Vec::new();
    let mut buffer = [0_u8; 1024];
    // The answer, then the close the idle connection gets after the header timeout.
    loop {
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer));
        match read.await.expect("the server closed the idle connection") {
            Ok(0) | Err(_) => break,
            Ok(n) => reply.extend_from_slice(&buffer[..n]),
        }
    }
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let rejected = r#"saga_http_rejections_total{reason="header_timeout"} "#;
    assert_eq!(
        counter(addr, rejected).await,
        "0",
        "a client between requests sent nothing slowly"
    );
    assert_eq!(counter(addr, "saga_http_idle_closed_total ").await, "1");
}
