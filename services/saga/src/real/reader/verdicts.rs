//! The auditor's verdicts for the explorer: `GET /violations` on the auditor (`AUDITOR_URL`),
//! read with a deadline and kept for the refresh interval, so pages mark the orders the
//! auditor found violating an invariant without judging anything themselves.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use saga_checker::{Property, Violation};
use saga_client::SagaClient;
use saga_core::OrderId;
use serde::Deserialize;
use tokio::time::Instant;

/// How long one read of the auditor may take: a page never waits longer for it.
const DEADLINE: Duration = Duration::from_millis(300);

/// What the auditor reported, by order.
#[derive(Debug, Clone, Default)]
pub struct Verdicts {
    pub by_order: BTreeMap<OrderId, Vec<Violation>>,
    /// Violations since the auditor started, all properties.
    pub total: u64,
}

#[derive(Deserialize)]
struct Listing {
    counts: BTreeMap<String, u64>,
    recent: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    property: String,
    order_id: Option<i64>,
    detail: String,
}

/// The auditor, read at most once per refresh.
pub struct Auditor {
    client: SagaClient,
    refresh: Duration,
    latest: Mutex<Option<(Instant, Arc<Verdicts>)>>,
}

impl Auditor {
    pub fn new(url: &str, refresh: Duration) -> Self {
        Self {
            client: SagaClient::new(url),
            refresh,
            latest: Mutex::new(None),
        }
    }

    /// The latest verdicts; `None` when the auditor cannot be read within the deadline (the
    /// reason is logged).
    pub async fn verdicts(&self) -> Option<Arc<Verdicts>> {
        let cached = self.latest.lock().expect("verdicts lock").clone();
        if let Some((_, verdicts)) = cached.filter(|(at, _)| at.elapsed() < self.refresh) {
            return Some(verdicts);
        }
        match tokio::time::timeout(DEADLINE, self.read()).await {
            Ok(Ok(verdicts)) => {
                let verdicts = Arc::new(verdicts);
                *self.latest.lock().expect("verdicts lock") =
                    Some((Instant::now(), verdicts.clone()));
                Some(verdicts)
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "explorer: cannot read the auditor's verdicts");
                None
            }
            Err(_) => {
                tracing::warn!(?DEADLINE, "explorer: the auditor did not answer in time");
                None
            }
        }
    }

    async fn read(&self) -> anyhow::Result<Verdicts> {
        let (status, body) = self.client.get("/violations").await?;
        anyhow::ensure!(status.is_success(), "GET /violations answered {status}");
        let listing: Listing = serde_json::from_slice(&body)?;
        let mut verdicts = Verdicts {
            total: listing.counts.values().sum(),
            ..Verdicts::default()
        };
        for entry in listing.recent {
            let (Some(property), Some(order)) = (
                Property::parse(&entry.property),
                entry.order_id.and_then(|o| OrderId::new(o).ok()),
            ) else {
                continue;
            };
            verdicts.by_order.entry(order).or_default().push(Violation {
                property,
                order_id: Some(order),
                detail: format!("the auditor: {}", entry.detail),
                history: Vec::new(),
            });
        }
        Ok(verdicts)
    }
}
