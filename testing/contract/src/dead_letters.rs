//! The dead-letter store contract (see `saga_core::ports::DeadLetterStore`).

use std::sync::Arc;

use saga_core::event::{Original, RejectedBy, Rejection, RejectionCode, RejectionSource};
use saga_core::ports::{DeadLetterStore, Entropy, OsEntropy};
use saga_core::{Envelope, Topic};
use time::OffsetDateTime;

type Store = Arc<dyn DeadLetterStore>;

fn rejection(group: &str, offset: u64, original: &[u8]) -> Envelope {
    let at = OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp())
        .expect("now is a valid timestamp");
    Envelope::rejected(
        OsEntropy.event_id(),
        at,
        Rejection {
            code: RejectionCode::Undecodable,
            reason: "not JSON".into(),
            source: RejectionSource {
                topic: Topic::Orders,
                partition: 1,
                offset,
                key: Some("7".into()),
                correlation_id: None,
            },
            rejected_by: RejectedBy {
                group: group.into(),
                component: group.into(),
            },
            attempts: 1,
            original: Original::whole(original.to_vec()),
            replay_count: 0,
        },
    )
}

pub async fn keeps_one_letter_per_group_and_source(store: Store) {
    let big = vec![0xab; 2_000_000];
    // Kept with the trace context its DLQ record would have carried, so a replay stays in it.
    let trace = saga_core::TraceParent::from_random_bits(0x5eed, 7);
    let first = rejection("payment-worker", 5, &big).with_trace(Some(trace));
    store.keep(&first, "too large for the DLQ").await.unwrap();
    store
        .keep(&rejection("payment-worker", 5, b"again"), "retry")
        .await
        .unwrap();
    let other_group = rejection("delivery-worker", 5, &big);
    store.keep(&other_group, "too large").await.unwrap();
    let kept = store.list().await.unwrap();
    assert_eq!(
        kept,
        vec![first, other_group],
        "whole originals with their trace, first one per group and source"
    );
    assert_eq!(kept[0].trace, Some(trace));
    let not_a_rejection = saga_core::Envelope {
        body: saga_core::EventBody::OrderCompleted {
            order_id: saga_core::OrderId::new(1).unwrap(),
        },
        ..rejection("x", 1, b"")
    };
    assert!(store.keep(&not_a_rejection, "?").await.is_err());
}
