//! The event bus contract (see `saga_core::ports::EventBus`). Each clause uses fresh group
//! names and keys, so adapters only need to isolate topics per test (or not at all).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use saga_core::ports::{
    Consumer, Delivery, Entropy, EventBus, OsEntropy, OutgoingMessage, ReplayMark,
};
use saga_core::{CorrelationId, EventId, Topic};

use crate::within;

type Bus = Arc<dyn EventBus>;

/// A run-unique prefix so clauses sharing a real broker never see each other's records.
fn tag() -> String {
    format!("t{}", OsEntropy.next_u64())
}

fn message(key: &str, body: &str) -> OutgoingMessage {
    OutgoingMessage {
        topic: Topic::Payments,
        key: key.to_owned(),
        payload: body.as_bytes().to_vec(),
        correlation_id: CorrelationId::parse(&format!("corr-{body}")),
        replay: None,
        trace: None,
    }
}

/// Receives until `n` deliveries whose payload starts with `tag` arrived, ignoring others.
async fn take(consumer: &mut Box<dyn Consumer>, tag: &str, n: usize) -> Vec<Delivery> {
    let mut got = Vec::new();
    while got.len() < n {
        let delivery = within("a delivery", consumer.next())
            .await
            .expect("next delivery");
        if delivery.payload.starts_with(tag.as_bytes()) {
            got.push(delivery);
        }
    }
    got
}

fn body(d: &Delivery) -> String {
    String::from_utf8(d.payload.clone()).unwrap()
}

pub async fn delivers_every_record_in_key_order_with_headers(bus: Bus) {
    let tag = tag();
    let keys = ["1", "2", "3"];
    // Every fifth record is marked as a dead letter's replay: the mark comes back whole.
    let replay = |i: usize| {
        (i % 5 == 0).then(|| ReplayMark {
            dead_letter: EventId::from_random_bits(i as u128 + 1),
            count: i as u32 + 1,
        })
    };
    // Every other record carries a W3C trace context: it comes back as it went.
    let trace = |i: usize| (i % 2 == 0).then(|| OsEntropy.new_trace().child(i as u64 + 1));
    let traces: Vec<_> = (0..21).map(trace).collect();
    let messages: Vec<_> = (0..21)
        .map(|i| OutgoingMessage {
            replay: replay(i),
            trace: traces[i],
            ..message(&format!("{tag}{}", keys[i % 3]), &format!("{tag}-{i:02}"))
        })
        .collect();
    bus.publish(messages).await.unwrap();
    let mut consumer = bus
        .subscribe(&format!("{tag}-g"), &[Topic::Payments])
        .await
        .unwrap();
    let got = take(&mut consumer, &tag, 21).await;
    let mut per_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in &got {
        assert_eq!(
            d.correlation_id,
            CorrelationId::parse(&format!("corr-{}", body(d)))
        );
        let i: usize = body(d)[tag.len() + 1..].parse().unwrap();
        assert_eq!(d.replay, replay(i), "replay headers of record {i}");
        assert_eq!(d.trace, traces[i], "traceparent header of record {i}");
        per_key
            .entry(d.key.clone().unwrap())
            .or_default()
            .push(body(d));
    }
    assert_eq!(per_key.len(), 3);
    for (key, bodies) in per_key {
        let mut sorted = bodies.clone();
        sorted.sort();
        assert_eq!(bodies, sorted, "records of key {key} out of order");
        assert_eq!(bodies.len(), 7);
    }
}

pub async fn uncommitted_deliveries_come_back_after_restart(bus: Bus) {
    let tag = tag();
    let group = format!("{tag}-g");
    let messages = (0..5)
        .map(|i| message(&format!("{tag}k"), &format!("{tag}-{i}")))
        .collect();
    bus.publish(messages).await.unwrap();
    let mut first = bus.subscribe(&group, &[Topic::Payments]).await.unwrap();
    let seen: Vec<String> = take(&mut first, &tag, 5).await.iter().map(body).collect();
    drop(first);
    let mut second = bus.subscribe(&group, &[Topic::Payments]).await.unwrap();
    let again: Vec<String> = take(&mut second, &tag, 5).await.iter().map(body).collect();
    assert_eq!(
        again, seen,
        "uncommitted deliveries must be delivered again, in order"
    );
}

/// Six records `{tag}-0` … `{tag}-5` on one key, and a member of a fresh group on them.
async fn six_in_order(bus: &Bus) -> (String, String, Box<dyn Consumer>) {
    let tag = tag();
    let group = format!("{tag}-g");
    let messages = (0..6)
        .map(|i| message(&format!("{tag}k"), &format!("{tag}-{i}")))
        .collect();
    bus.publish(messages).await.unwrap();
    let member = bus.subscribe(&group, &[Topic::Payments]).await.unwrap();
    (tag, group, member)
}

/// What a new member of `group` receives, after `from` of [`six_in_order`]'s records were
/// committed: exactly the rest, in order.
async fn assert_a_new_member_resumes_at(bus: &Bus, tag: &str, group: &str, from: usize, why: &str) {
    let mut member = bus.subscribe(group, &[Topic::Payments]).await.unwrap();
    let rest: Vec<String> = take(&mut member, tag, 6 - from)
        .await
        .iter()
        .map(body)
        .collect();
    let expected: Vec<String> = (from..6).map(|i| format!("{tag}-{i}")).collect();
    assert_eq!(rest, expected, "{why}");
}

pub async fn committed_deliveries_never_come_back(bus: Bus) {
    let (tag, group, mut first) = six_in_order(&bus).await;
    let got = take(&mut first, &tag, 3).await;
    within("commit", first.commit(&got[2])).await.unwrap();
    drop(first);
    assert_a_new_member_resumes_at(
        &bus,
        &tag,
        &group,
        3,
        "a commit covers its delivery and every earlier one",
    )
    .await;
}

pub async fn pipelined_commits_land_by_the_next_commit_or_settle(bus: Bus) {
    let (tag, group, mut first) = six_in_order(&bus).await;
    let got = take(&mut first, &tag, 4).await;
    within("commit", first.commit_pipelined(&got[1..2]))
        .await
        .unwrap();
    within("commit", first.commit_pipelined(&got[3..4]))
        .await
        .unwrap();
    within("settle", first.settle()).await.unwrap();
    drop(first);
    assert_a_new_member_resumes_at(
        &bus,
        &tag,
        &group,
        4,
        "after settle, the last pipelined commit covers every earlier delivery",
    )
    .await;
}

/// Like [`take`], but through `try_next` whenever it has a delivery ready.
async fn take_ready(consumer: &mut Box<dyn Consumer>, tag: &str, n: usize) -> Vec<Delivery> {
    let mut got = Vec::new();
    while got.len() < n {
        let delivery = match consumer.try_next() {
            Some(ready) => ready.expect("a ready delivery"),
            None => within("a delivery", consumer.next())
                .await
                .expect("next delivery"),
        };
        if delivery.payload.starts_with(tag.as_bytes()) {
            got.push(delivery);
        }
    }
    got
}

pub async fn batch_commit_covers_every_partition(bus: Bus) {
    let tag = tag();
    let group = format!("{tag}-g");
    let keys = [format!("{tag}a"), format!("{tag}b")];
    let messages = (0..6)
        .map(|i| message(&keys[i % 2], &format!("{tag}-{i}")))
        .collect();
    bus.publish(messages).await.unwrap();
    let mut first = bus.subscribe(&group, &[Topic::Payments]).await.unwrap();
    let got = take_ready(&mut first, &tag, 6).await;
    for key in &keys {
        let bodies: Vec<String> = got
            .iter()
            .filter(|d| d.key.as_ref() == Some(key))
            .map(body)
            .collect();
        let mut sorted = bodies.clone();
        sorted.sort();
        assert_eq!(bodies, sorted, "try_next keeps each key's order");
    }
    let mut last: BTreeMap<u32, Delivery> = BTreeMap::new();
    for d in got {
        if last.get(&d.partition).is_none_or(|l| l.offset < d.offset) {
            last.insert(d.partition, d);
        }
    }
    let last: Vec<Delivery> = last.into_values().collect();
    within("commit", first.commit_batch(&last)).await.unwrap();
    drop(first);
    let markers: Vec<_> = keys
        .iter()
        .map(|k| message(k, &format!("{tag}-marker-{k}")))
        .collect();
    bus.publish(markers).await.unwrap();
    let mut second = bus.subscribe(&group, &[Topic::Payments]).await.unwrap();
    for d in take(&mut second, &tag, 2).await {
        assert!(
            body(&d).starts_with(&format!("{tag}-marker-")),
            "committed by the batch, yet delivered again: {}",
            body(&d)
        );
    }
}

pub async fn groups_consume_independently(bus: Bus) {
    let tag = tag();
    bus.publish(vec![message(&format!("{tag}k"), &format!("{tag}-only"))])
        .await
        .unwrap();
    let mut a = bus
        .subscribe(&format!("{tag}-a"), &[Topic::Payments])
        .await
        .unwrap();
    let got = take(&mut a, &tag, 1).await;
    within("commit", a.commit(&got[0])).await.unwrap();
    let mut b = bus
        .subscribe(&format!("{tag}-b"), &[Topic::Payments])
        .await
        .unwrap();
    assert_eq!(body(&take(&mut b, &tag, 1).await[0]), format!("{tag}-only"));
}

pub async fn members_share_the_partitions(bus: Bus) {
    let tag = tag();
    let group = format!("{tag}-g");
    let mut a = bus.subscribe(&group, &[Topic::Payments]).await.unwrap();
    let mut b = bus.subscribe(&group, &[Topic::Payments]).await.unwrap();
    let expected: BTreeSet<String> = (0..30).map(|i| format!("{tag}-{i:02}")).collect();
    let messages = expected
        .iter()
        .enumerate()
        .map(|(i, b)| message(&format!("{tag}{i}"), b))
        .collect();
    bus.publish(messages).await.unwrap();
    // Both members poll concurrently; together they must see every record (a rebalance may
    // redeliver some, which at-least-once allows), committing as they go.
    let mut seen = BTreeSet::new();
    let deadline = tokio::time::Instant::now() + crate::PATIENCE;
    while seen.len() < expected.len() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} of 30 seen",
            seen.len()
        );
        let next = tokio::select! {
            biased;
            d = a.next() => d.map(|d| (d, true)),
            d = b.next() => d.map(|d| (d, false)),
        };
        let Ok((delivery, from_a)) = next else {
            continue;
        };
        if delivery.payload.starts_with(tag.as_bytes()) {
            seen.insert(body(&delivery));
        }
        let member = if from_a { &mut a } else { &mut b };
        let _ = member.commit(&delivery).await;
    }
    assert_eq!(seen, expected);
}

pub async fn next_is_cancel_safe(bus: Bus) {
    let tag = tag();
    let mut consumer = bus
        .subscribe(&format!("{tag}-g"), &[Topic::Payments])
        .await
        .unwrap();
    for _ in 0..3 {
        // A `next` abandoned by a timeout must not swallow a record.
        let _ = tokio::time::timeout(Duration::from_millis(20), consumer.next()).await;
    }
    bus.publish(vec![message(&format!("{tag}k"), &format!("{tag}-x"))])
        .await
        .unwrap();
    assert_eq!(
        body(&take(&mut consumer, &tag, 1).await[0]),
        format!("{tag}-x")
    );
}

pub async fn a_record_over_the_size_limit_is_refused_as_permanent(bus: Bus) {
    let limit = bus.max_message_bytes();
    let too_big = OutgoingMessage {
        topic: Topic::OrdersDlq,
        key: "big".into(),
        payload: vec![b'x'; limit + 1024],
        correlation_id: None,
        replay: None,
        trace: None,
    };
    let error = within("an oversized publish", bus.publish(vec![too_big]))
        .await
        .expect_err("a record over the limit is refused");
    assert!(
        !error.is_transient(),
        "retrying cannot make it fit: {error}"
    );
}
