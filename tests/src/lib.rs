//! Helpers shared by the end-to-end tests: placing many orders and judging the outcome.

use std::time::Duration;

use saga_checker::{self as checker, Scope, Violation};
use saga_client::SagaClient;
use saga_core::snapshot::{Acknowledged, SystemSnapshot};

/// Places `n` orders with `concurrency` in flight; returns the acknowledged ids.
///
/// # Panics
/// When the gateway cannot be reached or any order is not accepted.
pub async fn place_orders(client: &SagaClient, n: usize, concurrency: usize) -> Vec<Acknowledged> {
    client
        .place_all_accepted("e2e meal", n, concurrency)
        .await
        .expect("every order accepted")
}

/// Checks every property, waiting (bounded) while only liveness properties fail: consumers
/// may still be committing their last offsets.
pub async fn quiesced(snapshot: impl Fn() -> SystemSnapshot, patience: Duration) -> Vec<Violation> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let violations = checker::check(&snapshot(), Scope::SafetyAndLiveness);
        let waiting = !violations.is_empty() && violations.iter().all(|v| v.property.is_liveness());
        if !waiting || tokio::time::Instant::now() >= deadline {
            return violations;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
