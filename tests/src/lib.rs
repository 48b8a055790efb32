//! Helpers shared by the end-to-end tests: placing many orders and judging the outcome.

use std::convert::Infallible;
use std::time::Duration;

use saga_checker::Violation;
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
    let read = || std::future::ready(Ok::<_, Infallible>(snapshot()));
    saga_checker::settle(read, patience, Duration::from_millis(20))
        .await
        .violations
}
