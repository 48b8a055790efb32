//! Following `payments` as a consumer group of the auditor's own: each payment event brings
//! its decision (for its ORDER_CREATED) and itself to the judge. The auditor writes nothing: a
//! record it cannot decode is another group's to dead-letter, and is only counted. Positions
//! are committed at most once a second; after a restart what followed is read again, which the
//! judge takes as it took it the first time.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use saga_checker::online::Fact;
use saga_core::event::decode;
use saga_core::ports::{Consumer, Delivery, EventBus, PortError};
use saga_core::{EventBody, OrderId, Topic};
use saga_runtime::CancellationToken;
use saga_runtime::backoff::Backoff;

use crate::judge::Judge;

const COMMIT_EVERY: Duration = Duration::from_secs(1);

/// What one record tells the judge, and about which order.
pub fn facts(delivery: &Delivery) -> Option<(OrderId, Vec<Fact>)> {
    let envelope = decode(&delivery.payload).ok()?;
    let EventBody::Payment { order_id, decision } = envelope.body else {
        return None;
    };
    let mut facts = Vec::new();
    if let Some(source) = envelope.causation_id {
        facts.push(Fact::Decided { source, decision });
    }
    facts.push(Fact::PaymentPublished {
        order: order_id,
        event: envelope.event_id,
        decision,
        cause: envelope.causation_id,
    });
    facts.push(Fact::Traced {
        order: order_id,
        event: Some(envelope.event_id),
        what: "a payments record",
        trace: delivery.trace.map(|t| t.trace_id()),
    });
    Some((order_id, facts))
}

/// Follows `payments` until `token` is cancelled, subscribing again after any failure.
pub async fn follow(
    bus: Arc<dyn EventBus>,
    group: String,
    judge: Arc<Mutex<Judge>>,
    token: CancellationToken,
) {
    let mut backoff = Backoff::service();
    while !token.is_cancelled() {
        let consumer = match bus.subscribe(&group, &[Topic::Payments]).await {
            Ok(consumer) => consumer,
            Err(error) => {
                tracing::warn!(%error, "auditor: cannot follow payments; retrying");
                if !backoff.wait(&token).await {
                    return;
                }
                continue;
            }
        };
        // Reset only once a record came: a broker that is down fails every read at once, and
        // subscribing again without waiting longer each time would spin.
        if let Err(error) = consume(consumer, &judge, &token, &mut backoff).await {
            tracing::warn!(%error, "auditor: following payments failed; subscribing again");
            if !backoff.wait(&token).await {
                return;
            }
        }
    }
}

async fn consume(
    mut consumer: Box<dyn Consumer>,
    judge: &Mutex<Judge>,
    token: &CancellationToken,
    backoff: &mut Backoff,
) -> Result<(), PortError> {
    let mut handled: BTreeMap<u32, Delivery> = BTreeMap::new();
    let mut committed_at = tokio::time::Instant::now();
    loop {
        let next = tokio::select! {
            () = token.cancelled() => break,
            () = tokio::time::sleep(COMMIT_EVERY) => None,
            next = consumer.next() => Some(next?),
        };
        if let Some(delivery) = next {
            backoff.reset();
            if let Some((order, facts)) = facts(&delivery) {
                judge
                    .lock()
                    .expect("judge lock poisoned")
                    .observe(Some(order), facts);
            }
            handled.insert(delivery.partition, delivery);
        }
        if let Some(lag) = consumer.lag() {
            metrics::gauge!(saga_runtime::metrics::CONSUMER_LAG, "component" => "auditor")
                .set(lag as f64);
        }
        if committed_at.elapsed() >= COMMIT_EVERY && !handled.is_empty() {
            let last: Vec<Delivery> = std::mem::take(&mut handled).into_values().collect();
            consumer.commit_batch(&last).await?;
            committed_at = tokio::time::Instant::now();
        }
    }
    let last: Vec<Delivery> = handled.into_values().collect();
    consumer.commit_batch(&last).await
}
