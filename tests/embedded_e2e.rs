//! The embedded saga end to end: 200 orders through the gateway over HTTP, every one terminal,
//! and the checker clean on the final state.

use std::time::Duration;

use saga::embedded::{EmbeddedOptions, EmbeddedSaga};
use saga_client::SagaClient;
use saga_tests::{place_orders, quiesced};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_orders_all_finish_and_the_checker_is_clean() {
    let saga = EmbeddedSaga::start(EmbeddedOptions {
        success_probability: 0.7,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = SagaClient::new(&format!("http://{}", saga.gateway));
    let acks = place_orders(&client, 200, 16).await;
    assert_eq!(acks.len(), 200);
    let mut statuses = std::collections::BTreeMap::new();
    for ack in &acks {
        let order = client
            .wait_terminal(ack.order_id.get(), Duration::from_secs(30))
            .await
            .unwrap();
        *statuses.entry(order.status).or_insert(0usize) += 1;
    }
    assert_eq!(statuses.values().sum::<usize>(), 200);
    assert!(
        statuses.contains_key("COMPLETED") && statuses.contains_key("CANCELLED"),
        "{statuses:?}"
    );
    let backends = saga.backends.clone();
    let violations = quiesced(|| backends.snapshot(acks.clone()), Duration::from_secs(10)).await;
    assert!(
        violations.is_empty(),
        "{}",
        violations
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(
        backends.deliveries.snapshot().len(),
        statuses["COMPLETED"],
        "one delivery per completed order"
    );
    for stopped in saga.shutdown().await {
        assert!(stopped.result.is_ok(), "did not stop cleanly: {stopped:?}");
    }
}
