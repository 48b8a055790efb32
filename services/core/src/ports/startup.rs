//! The start-up policy every real adapter follows when its backend is not there yet: a bounded
//! number of attempts, 0.5 s apart and doubling up to 5 s, a warning naming the backend after
//! each failure but the last, and then a clear error instead of a hang.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

/// The backend never answered: how often it was tried and the last reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GaveUp {
    pub attempts: u32,
    pub reason: String,
}

/// Runs `connect` until it succeeds or `attempts` (at least one) have failed.
///
/// # Errors
/// [`GaveUp`] after the last failed attempt.
pub async fn connect_with_retries<T, E, F, Fut>(
    backend: &str,
    target: &str,
    attempts: u32,
    mut connect: F,
) -> Result<T, GaveUp>
where
    E: Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let attempts = attempts.max(1);
    let mut backoff = Duration::from_millis(500);
    let mut reason = String::new();
    for attempt in 1..=attempts {
        match connect().await {
            Ok(connected) => return Ok(connected),
            Err(e) => reason = e.to_string(),
        }
        if attempt < attempts {
            // The last failure is the caller's error to report, not a warning.
            tracing::warn!(address = %target, attempt, attempts, error = %reason,
                "{backend} not reachable yet");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }
    Err(GaveUp { attempts, reason })
}

/// Whether something accepts a TCP connection at `address` (`host:port`) within `timeout`:
/// told apart from "nothing listens there", a client that got no answer it understood is
/// most likely speaking plaintext to a TLS-only server, and its start-up error can say what
/// to set.
pub async fn accepts_connections(address: &str, timeout: std::time::Duration) -> bool {
    let connect = tokio::net::TcpStream::connect(address);
    matches!(tokio::time::timeout(timeout, connect).await, Ok(Ok(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn retries_until_success_or_the_last_attempt() {
        let mut tries = 0;
        let connected = connect_with_retries("X", "here", 5, || {
            tries += 1;
            let now = tries;
            async move { if now < 3 { Err("down") } else { Ok(now) } }
        })
        .await;
        assert_eq!(connected, Ok(3));

        let started = tokio::time::Instant::now();
        let gave_up = connect_with_retries("X", "here", 3, || async { Err::<(), _>("refused") })
            .await
            .unwrap_err();
        assert_eq!(
            gave_up,
            GaveUp {
                attempts: 3,
                reason: "refused".into()
            }
        );
        // Waits 0.5 s and 1 s between the three attempts, none after the last.
        assert_eq!(started.elapsed(), Duration::from_millis(1500));
    }
}
