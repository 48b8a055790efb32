//! The steady workload through the gateway: orders at a fixed rate plus bursts on the
//! timeline's word, each with an `Idempotency-Key` and retried (same key) after a 5xx,
//! timeout or refused connection, the way a careful client would. It tallies what clients
//! saw: attempts, acknowledgements, errors by status code and response latencies.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use saga_client::SagaClient;
use saga_core::ports::{Entropy, OsEntropy};
use saga_core::snapshot::Acknowledged;
use saga_core::{IdempotencyKey, OrderId};
use tokio::sync::Semaphore;

/// Most orders in flight at once; past that, the steady loop waits.
const MAX_IN_FLIGHT: u32 = 64;
/// Per request: longer than the gateway's upstream timeout (5 s), so 504s are seen as such.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(8);
/// Tries per order, the first included: with the doubling pause from 250 ms, a client keeps
/// trying for about 8 s, longer than most outages the scenarios cause.
const TRIES: u32 = 6;

/// What the clients saw.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Orders the workload tried to place (each possibly several requests).
    pub attempted: u64,
    /// Orders that got 202, with their keys.
    pub acknowledged: Vec<Acknowledged>,
    pub requests: u64,
    /// Failed requests by status code, or `timeout` / `unreachable`.
    pub errors: BTreeMap<String, u64>,
    /// Latency of every request answered 202.
    pub latencies: Vec<Duration>,
}

struct Shared {
    client: SagaClient,
    key_prefix: String,
    next: AtomicU64,
    tally: Mutex<Tally>,
    permits: Arc<Semaphore>,
}

/// The workload of one scenario.
#[derive(Clone)]
pub struct Workload(Arc<Shared>);

impl Workload {
    /// Orders go to `gateway_url`; idempotency keys start with `key_prefix`.
    pub fn new(gateway_url: &str, key_prefix: &str) -> Self {
        Self(Arc::new(Shared {
            client: SagaClient::new(gateway_url)
                .with_api_key(saga_harness::DEV_API_KEY)
                .expect("the development key is a valid header"),
            key_prefix: key_prefix.to_owned(),
            next: AtomicU64::new(0),
            tally: Mutex::default(),
            permits: Arc::new(Semaphore::new(MAX_IN_FLIGHT as usize)),
        }))
    }

    /// Places `rate` orders per second until `stop` resolves.
    pub async fn steady(&self, rate: f64, stop: impl Future<Output = ()>) {
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => return,
                _ = tick.tick() => self.launch().await,
            }
        }
    }

    /// Places `n` orders at once (as far as the in-flight bound allows).
    pub async fn burst(&self, n: u32) {
        for _ in 0..n {
            self.launch().await;
        }
    }

    async fn launch(&self) {
        let Ok(permit) = self.0.permits.clone().acquire_owned().await else {
            return;
        };
        let shared = self.0.clone();
        tokio::spawn(async move {
            place(&shared).await;
            drop(permit);
        });
    }

    /// Waits (bounded) until no order is in flight; `false` when some still were.
    pub async fn drain(&self, patience: Duration) -> bool {
        let all = self.0.permits.acquire_many(MAX_IN_FLIGHT);
        matches!(tokio::time::timeout(patience, all).await, Ok(Ok(_)))
    }

    pub fn tally(&self) -> Tally {
        self.0.tally.lock().expect("tally lock").clone()
    }
}

async fn place(shared: &Shared) {
    let n = shared.next.fetch_add(1, Ordering::Relaxed);
    let key = format!("{}{n}", shared.key_prefix);
    shared.tally.lock().expect("tally lock").attempted += 1;
    let mut pause = Duration::from_millis(250);
    // One trace for every attempt at this order, as for its idempotency key.
    let trace = OsEntropy.new_trace();
    for _ in 0..TRIES {
        let started = tokio::time::Instant::now();
        let answer = tokio::time::timeout(
            REQUEST_TIMEOUT,
            shared
                .client
                .place_order_in(trace, &format!("chaos meal {n}"), Some(&key)),
        )
        .await;
        let error = {
            let mut tally = shared.tally.lock().expect("tally lock");
            tally.requests += 1;
            let error = match answer {
                Ok(Ok(placed)) => match placed.order {
                    Some(order) if placed.status == 202 => {
                        tally.latencies.push(started.elapsed());
                        tally.acknowledged.push(Acknowledged {
                            order_id: OrderId::new(order.order_id)
                                .expect("the API returns ids > 0"),
                            idempotency_key: IdempotencyKey::parse(&key).ok(),
                            trace: Some(trace.trace_id()),
                        });
                        return;
                    }
                    _ => placed.status.as_u16().to_string(),
                },
                Ok(Err(_)) => "unreachable".to_owned(),
                Err(_) => "timeout".to_owned(),
            };
            *tally.errors.entry(error.clone()).or_default() += 1;
            error
        };
        if error.starts_with('4') {
            return;
        }
        tokio::time::sleep(pause).await;
        pause *= 2;
    }
}
