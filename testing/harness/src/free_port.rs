//! Picking listen ports for components a harness starts (the chaos runner, the real-stack
//! tests). Never a port from `bind(0)`: that is an ephemeral port, and by the time the
//! component binds it (or rebinds it after a SIGKILL) an outgoing connection or another
//! harness's component may hold it — and even answer its `/health`.

use saga_core::ports::{Entropy, OsEntropy};

/// Ports handed out: below the kernel's default ephemeral range (32768–60999).
const RANGE: std::ops::Range<u16> = 20_000..32_000;

/// Ports to leave alone: 25400–25499 is the chaos runner's private stack block.
const RESERVED: std::ops::Range<u16> = 25_400..25_500;

/// A loopback port in [`RANGE`] that is free now and not in `taken`.
///
/// # Errors
/// When 200 random tries found none.
pub fn free_port(taken: &[u16]) -> std::io::Result<u16> {
    let span = u64::from(RANGE.end - RANGE.start);
    for _ in 0..200 {
        let port = RANGE.start + (OsEntropy.next_u64() % span) as u16;
        if RESERVED.contains(&port) || taken.contains(&port) {
            continue;
        }
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err(std::io::Error::other(format!("no free port in {RANGE:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_distinct_free_ports_outside_the_ephemeral_range() {
        let mut taken = Vec::new();
        for _ in 0..20 {
            let port = free_port(&taken).unwrap();
            assert!(RANGE.contains(&port) && !RESERVED.contains(&port));
            assert!(!taken.contains(&port));
            taken.push(port);
        }
    }
}
