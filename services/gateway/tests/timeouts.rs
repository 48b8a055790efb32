//! Server-side timeouts, over raw TCP to the served gateway: a client that sends its headers
//! a byte at a time is disconnected after the header timeout, and one whose body stops
//! arriving, or whose request as a whole takes too long, gets 408 with the JSON error body.

mod common;

use std::time::Duration;

use common::{http_get, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `bytes` one at a time, `gap` apart, until the server closes the connection; returns
/// how many it took and how long. Writing to a closed socket fails, and reading sees EOF.
async fn trickle(stream: &mut TcpStream, bytes: &[u8], gap: Duration) -> (usize, Duration) {
    let started = tokio::time::Instant::now();
    let mut reply = Vec::new();
    for (sent, byte) in bytes.iter().enumerate() {
        let mut probe = [0_u8; 1024];
        tokio::select! {
            read = stream.read(&mut probe) => match read {
                Ok(0) | Err(_) => return (sent, started.elapsed()),
                Ok(n) => reply.extend_from_slice(&probe[..n]),
            },
            () = tokio::time::sleep(gap) => {
                if stream.write_all(&[*byte]).await.is_err() {
                    return (sent, started.elapsed());
                }
            }
        }
    }
    panic!(
        "the server let the whole request through: {}",
        String::from_utf8_lossy(&reply)
    );
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_disconnected_after_the_header_timeout() {
    let addr = serve(&[("API_HEADER_TIMEOUT_SECONDS", "1")]).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET /health HTTP/1.1\r\nhost: x\r\nx-padding: {}\r\n\r\n",
        "p".repeat(200)
    );
    let (sent, elapsed) =
        trickle(&mut stream, request.as_bytes(), Duration::from_millis(100)).await;
    assert!(
        sent < request.len(),
        "disconnected mid-headers after {sent} bytes"
    );
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(5),
        "closed after {elapsed:?}, the timeout being 1 s"
    );
    let metrics = http_get(addr, "/metrics").await;
    assert!(
        metrics.contains(r#"saga_http_rejections_total{reason="header_timeout"}"#),
        "the rejection is counted: {metrics}"
    );
}

#[tokio::test]
async fn a_connection_that_never_sends_a_byte_is_closed_too() {
    let addr = serve(&[("API_HEADER_TIMEOUT_SECONDS", "1")]).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut buffer = [0_u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer)).await;
    assert!(
        matches!(read, Ok(Ok(0) | Err(_))),
        "the server closed the idle connection"
    );
}

/// Sends the headers of a `POST /place-order` declaring `length` body bytes, then `body`
/// (fewer), and returns the status line and body of the answer.
async fn stalled_post(
    addr: std::net::SocketAddr,
    length: usize,
    body: &[u8],
    gap: Duration,
) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /place-order HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    for byte in body {
        tokio::time::sleep(gap).await;
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
    }
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut reply))
        .await
        .expect("the server answered and closed")
        .ok();
    String::from_utf8_lossy(&reply).into_owned()
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_408() {
    let addr = serve(&[("API_BODY_TIMEOUT_SECONDS", "0.3")]).await;
    let reply = stalled_post(addr, 40, br#"{"item""#, Duration::ZERO).await;
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains(r#""error":"request_timeout""#), "{reply}");
}

#[tokio::test]
async fn a_request_slower_than_the_request_timeout_is_408() {
    let vars = &[
        ("UPSTREAM_TIMEOUT_SECONDS", "0.1"),
        ("API_REQUEST_TIMEOUT_SECONDS", "0.5"),
    ];
    let addr = serve(vars).await;
    // A byte every 50 ms never trips the 5 s body timeout; the whole takes over 2 s.
    let body = format!(r#"{{"item": "{}"}}"#, "x".repeat(40));
    let reply = stalled_post(addr, body.len(), body.as_bytes(), Duration::from_millis(50)).await;
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains(r#""error":"request_timeout""#), "{reply}");
}
