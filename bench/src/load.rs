//! Placing and following orders.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::Semaphore;

use super::BenchReport;
use saga_client::SagaClient;
use saga_client::percentiles::Percentiles;

/// How orders are offered.
#[derive(Debug, Clone, Copy)]
pub enum Pace {
    /// `concurrency` clients, each placing its next order as soon as the last was accepted.
    Closed { concurrency: usize },
    /// Orders started at a fixed rate whatever the answers (at most `max_in_flight` open).
    Open {
        per_second: f64,
        max_in_flight: usize,
    },
}

/// One load run.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    pub url: String,
    /// Sent as `Authorization: Bearer <key>` when the gateway requires keys.
    pub api_key: Option<String>,
    pub orders: usize,
    pub pace: Pace,
    /// How long to wait for the last orders to become terminal.
    pub patience: Duration,
}

struct Placed {
    order_id: Option<i64>,
    status: u16,
}

/// Runs the plan and measures it.
///
/// # Errors
/// When the gateway cannot be reached at all.
pub async fn run(plan: &LoadPlan) -> anyhow::Result<BenchReport> {
    let mut client = SagaClient::new(&plan.url);
    if let Some(key) = &plan.api_key {
        client = client.with_api_key(key)?;
    }
    let started = tokio::time::Instant::now();
    let placed = match plan.pace {
        Pace::Closed { concurrency } => closed(&client, plan.orders, concurrency).await,
        Pace::Open {
            per_second,
            max_in_flight,
        } => open(&client, plan.orders, per_second, max_in_flight).await,
    };
    let placing = started.elapsed();
    let mut errors: BTreeMap<u16, usize> = BTreeMap::new();
    let mut ids = Vec::new();
    for p in placed {
        match p.order_id {
            Some(id) => ids.push(id),
            None => *errors.entry(p.status).or_default() += 1,
        }
    }
    let deadline = tokio::time::Instant::now() + plan.patience;
    let followed: Vec<_> = futures::stream::iter(ids.clone())
        .map(|id| {
            let client = client.clone();
            async move {
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                client.wait_terminal(id, left).await
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let mut latencies = Vec::new();
    let (mut first, mut last) = (None::<OffsetDateTime>, None::<OffsetDateTime>);
    let mut unfinished = 0;
    for order in followed {
        let Ok(order) = order else {
            unfinished += 1;
            continue;
        };
        let created = OffsetDateTime::parse(&order.created_at, &Rfc3339)?;
        let updated = OffsetDateTime::parse(&order.updated_at, &Rfc3339)?;
        latencies.push((updated - created).try_into().unwrap_or_default());
        first = Some(first.map_or(created, |f| f.min(created)));
        last = Some(last.map_or(updated, |l| l.max(updated)));
    }
    let span: Duration = match (first, last) {
        (Some(f), Some(l)) => (l - f).try_into().unwrap_or_default(),
        _ => Duration::ZERO,
    };
    let terminal = latencies.len();
    Ok(BenchReport {
        offered: plan.orders,
        accepted: ids.len(),
        terminal,
        unfinished,
        http_errors: errors,
        placing_seconds: placing.as_secs_f64(),
        orders_per_second: if span.is_zero() {
            0.0
        } else {
            terminal as f64 / span.as_secs_f64()
        },
        latency: Percentiles::of(latencies),
        scrapes: Vec::new(),
    })
}

async fn closed(client: &SagaClient, orders: usize, concurrency: usize) -> Vec<Placed> {
    futures::stream::iter(0..orders)
        .map(|i| place(client.clone(), i))
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await
}

async fn open(
    client: &SagaClient,
    orders: usize,
    per_second: f64,
    max_in_flight: usize,
) -> Vec<Placed> {
    let gate = Arc::new(Semaphore::new(max_in_flight.max(1)));
    let interval = Duration::from_secs_f64(1.0 / per_second.max(1e-3));
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(orders);
    for i in 0..orders {
        tokio::time::sleep_until(start + interval.mul_f64(i as f64)).await;
        let permit = gate
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let placed = place(client, i).await;
            drop(permit);
            placed
        }));
    }
    let mut placed = Vec::with_capacity(orders);
    for task in tasks {
        placed.push(task.await.unwrap_or(Placed {
            order_id: None,
            status: 0,
        }));
    }
    placed
}

async fn place(client: SagaClient, i: usize) -> Placed {
    match client.place_order(&format!("bench meal {i}"), None).await {
        Ok(p) => Placed {
            order_id: p.order.map(|o| o.order_id),
            status: p.status.as_u16(),
        },
        // Status 0: the gateway could not be reached at all.
        Err(_) => Placed {
            order_id: None,
            status: 0,
        },
    }
}
