//! The simulated broker keeps Kafka's two clocks apart (`sim/src/infra/liveness.rs`): a member
//! busy with one record for longer than the session timeout keeps its partitions, because its
//! consumer heartbeats in the background; one that stops polling for the max poll interval is
//! expelled. Each runs as the client of a fresh simulation; the waits are simulated time, the
//! handler being busy.

use std::time::Duration;

use saga_core::Topic;
use saga_core::ports::{OutgoingMessage, PortError};
use sim::contract::{event_bus, run};

/// A member that fetched one record, then was busy for `busy` before committing it: the
/// commit's answer.
async fn commit_after(group: &'static str, busy: Duration) -> Result<(), PortError> {
    let bus = event_bus().await;
    let record = OutgoingMessage {
        topic: Topic::Payments,
        key: "order-1".into(),
        payload: b"busy".to_vec(),
        correlation_id: None,
        replay: None,
        trace: None,
    };
    bus.publish(vec![record]).await.expect("publish");
    let mut consumer = bus
        .subscribe(group, &[Topic::Payments])
        .await
        .expect("join");
    let delivery = consumer.next().await.expect("the record");
    tokio::time::sleep(busy).await;
    consumer.commit(&delivery).await
}

#[test]
fn a_member_busy_past_the_session_timeout_keeps_its_partitions() {
    // Five session timeouts: without heartbeats the broker would have expelled it.
    run(|| async {
        let committed = commit_after("busy", Duration::from_secs(10)).await;
        assert!(committed.is_ok(), "{committed:?}");
    });
}

#[test]
fn a_member_that_stops_polling_past_the_max_poll_interval_is_expelled() {
    run(|| async {
        let committed = commit_after("stuck", Duration::from_secs(31)).await;
        assert!(
            matches!(committed, Err(PortError::Rebalanced(_))),
            "{committed:?}"
        );
    });
}
