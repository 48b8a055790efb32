//! Waiting for a running system to settle: its liveness properties need in-flight work to
//! finish, its safety properties hold or fail at once. Every harness that judges a live system
//! — the demo, the end-to-end tests, the real-stack tests, the chaos runner — polls the
//! checker this one way.

use std::future::Future;
use std::time::Duration;

use saga_core::snapshot::SystemSnapshot;

use crate::{Scope, Violation, check};

/// What waiting found.
#[derive(Debug)]
pub struct Settled<E> {
    /// What still failed at the end; empty when every property holds.
    pub violations: Vec<Violation>,
    /// How long until every property held; `None` when they never all did.
    pub after: Option<Duration>,
    /// The last snapshot judged.
    pub last: Option<SystemSnapshot>,
    /// Why the state could not be read the last time it was tried, when it could not.
    pub unreadable: Option<E>,
}

/// Judges the snapshots `read` returns until every property holds, a safety property fails
/// (no waiting fixes that), or `patience` runs out; pauses `interval` between reads. A read
/// that fails (a backend still restarting) counts as "not yet".
pub async fn settle<F, Fut, E>(mut read: F, patience: Duration, interval: Duration) -> Settled<E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<SystemSnapshot, E>>,
{
    let started = tokio::time::Instant::now();
    let mut settled = Settled {
        violations: Vec::new(),
        after: None,
        last: None,
        unreadable: None,
    };
    loop {
        match read().await {
            Ok(snapshot) => {
                settled.unreadable = None;
                settled.violations = check(&snapshot, Scope::SafetyAndLiveness);
                settled.last = Some(snapshot);
                if settled.violations.is_empty() {
                    settled.after = Some(started.elapsed());
                    return settled;
                }
                if settled.violations.iter().any(|v| !v.property.is_liveness()) {
                    return settled;
                }
            }
            Err(error) => settled.unreadable = Some(error),
        }
        if started.elapsed() >= patience {
            return settled;
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use saga_core::snapshot::{Acknowledged, OrderStoreSnapshot};
    use saga_core::{CorrelationId, Item, Order, OrderId, OrderStatus};
    use time::macros::datetime;

    use super::*;
    use crate::Property;

    fn order(status: OrderStatus) -> Order {
        Order {
            id: OrderId::new(1).unwrap(),
            item: Item::parse("tea").unwrap(),
            status,
            correlation_id: CorrelationId::parse("c").unwrap(),
            idempotency_key: None,
            owner: None,
            created_at: datetime!(2025-01-01 0:00 UTC),
            updated_at: datetime!(2025-01-01 0:00 UTC),
        }
    }

    fn snapshot(orders: Vec<Order>) -> SystemSnapshot {
        SystemSnapshot {
            acknowledged: vec![Acknowledged {
                order_id: OrderId::new(1).unwrap(),
                idempotency_key: None,
                trace: None,
            }],
            store: OrderStoreSnapshot {
                orders,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn waits_while_only_liveness_fails_and_gives_up_at_the_bound() {
        let started = tokio::time::Instant::now();
        let settled = settle(
            || async { Ok::<_, Infallible>(snapshot(vec![order(OrderStatus::Pending)])) },
            Duration::from_secs(3),
            Duration::from_millis(500),
        )
        .await;
        assert_eq!(started.elapsed(), Duration::from_secs(3));
        assert!(settled.after.is_none());
        assert!(settled.violations.iter().all(|v| v.property.is_liveness()));
        assert!(settled.last.is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn stops_at_once_on_a_safety_violation() {
        let started = tokio::time::Instant::now();
        let settled = settle(
            || async { Ok::<_, Infallible>(snapshot(Vec::new())) },
            Duration::from_secs(3),
            Duration::from_millis(500),
        )
        .await;
        assert_eq!(started.elapsed(), Duration::ZERO);
        let properties: Vec<_> = settled.violations.iter().map(|v| v.property).collect();
        assert!(properties.contains(&Property::AcknowledgedOrderExists));
    }

    #[tokio::test(start_paused = true)]
    async fn unreadable_state_counts_as_not_yet() {
        let mut reads = 0;
        let settled = settle(
            || {
                reads += 1;
                let ready = reads > 2;
                async move {
                    if ready {
                        Ok(SystemSnapshot::default())
                    } else {
                        Err("restarting")
                    }
                }
            },
            Duration::from_secs(3),
            Duration::from_millis(500),
        )
        .await;
        assert_eq!(settled.unreadable, None);
        assert_eq!(settled.after, Some(Duration::from_secs(1)));
    }
}
