//! One client: takes the next order number, pauses, places the order (retrying with the same
//! key after an unknown outcome when it has one), and reads the order back.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use saga_api::{IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED, PlaceOrderResponse};
use saga_core::domain::TRACEPARENT_HEADER;
use saga_core::{IdempotencyKey, OrderId, TraceParent};
use saga_runtime::net::{HttpClient, http_client};

use super::Plan;
use crate::net::SimDialer;
use crate::observe::Event;
use crate::world::{CLIENTS, GATEWAY, HTTP_PORT, World};

/// How long a client waits for one answer (the gateway gives up upstream after 2 s).
const PATIENCE: Duration = Duration::from_secs(3);
const ATTEMPTS: u32 = 6;

pub(super) struct Client {
    world: Arc<World>,
    id: usize,
    orders: usize,
    keyed: f64,
    think: Duration,
    next: Rc<Cell<usize>>,
    rng: ChaCha8Rng,
    http: HttpClient,
}

struct Answer {
    status: StatusCode,
    replayed: bool,
    body: Bytes,
}

impl Client {
    pub fn new(world: Arc<World>, id: usize, plan: &Plan, next: Rc<Cell<usize>>) -> Self {
        let rng = ChaCha8Rng::seed_from_u64(world.seed ^ (0xc1_0000 + id as u64));
        Self {
            world,
            id,
            orders: plan.orders,
            keyed: plan.keyed,
            think: plan.think,
            next,
            rng,
            http: http_client(Arc::new(SimDialer::default())),
        }
    }

    pub async fn run(mut self) {
        loop {
            let n = self.next.get();
            if n >= self.orders {
                return;
            }
            self.next.set(n + 1);
            let pause = self.rng.random_range(0..=self.think.as_millis() as u64);
            tokio::time::sleep(Duration::from_millis(pause)).await;
            let key = self
                .rng
                .random_bool(self.keyed)
                .then(|| format!("order-{}-{n}", self.world.seed));
            if let Some(order) = self.place(n, key).await {
                self.read_back(order).await;
            }
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        trace: Option<TraceParent>,
        body: Bytes,
    ) -> Result<Answer, String> {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("http://{GATEWAY}:{HTTP_PORT}{path}"))
            .header(http::header::CONTENT_TYPE, "application/json");
        if let Some(key) = key {
            request = request.header(IDEMPOTENCY_KEY, key);
        }
        if let Some(trace) = trace {
            request = request.header(TRACEPARENT_HEADER, trace.to_string());
        }
        let request = request.body(Full::new(body)).map_err(|e| e.to_string())?;
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|e| format!("{e}"))?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
            let replayed = parts
                .headers
                .get(IDEMPOTENT_REPLAYED)
                .is_some_and(|v| v == "true");
            Ok(Answer {
                status: parts.status,
                replayed,
                body,
            })
        };
        tokio::time::timeout(PATIENCE, exchange)
            .await
            .unwrap_or_else(|_| Err("timed out".into()))
    }

    fn emit(&self, event: Event) {
        self.world.emit(CLIENTS, event);
    }

    /// Places order `n`; the acknowledged order id, if one came back.
    async fn place(&mut self, n: usize, key: Option<String>) -> Option<OrderId> {
        let body = Bytes::from(format!(r#"{{"item":"meal {n} of client {}"}}"#, self.id));
        // One trace per order, sent with every attempt: a retry that finds the order its first
        // attempt created is the same request, as far as the trace goes.
        let trace = TraceParent::from_random_bits(self.rng.random(), self.rng.random());
        for attempt in 1..=ATTEMPTS {
            let reason = match self
                .send(
                    Method::POST,
                    "/place-order",
                    key.as_deref(),
                    Some(trace),
                    body.clone(),
                )
                .await
            {
                Ok(answer) if answer.status == StatusCode::ACCEPTED => {
                    let accepted: PlaceOrderResponse = serde_json::from_slice(&answer.body).ok()?;
                    let order = OrderId::new(accepted.order_id).ok()?;
                    self.emit(Event::Acknowledged {
                        client: self.id,
                        order,
                        key: key.as_deref().and_then(|k| IdempotencyKey::parse(k).ok()),
                        replayed: answer.replayed,
                        trace: Some(trace.trace_id()),
                    });
                    return Some(order);
                }
                Ok(answer) => answer.status.as_u16().to_string(),
                Err(error) => error,
            };
            let retryable = !reason.starts_with('4');
            self.emit(Event::PlaceFailed {
                client: self.id,
                key: key.clone(),
                attempt,
                reason,
            });
            if key.is_none() || !retryable {
                return None;
            }
            let backoff = Duration::from_millis(100 << attempt.min(4));
            tokio::time::sleep(backoff).await;
        }
        None
    }

    async fn read_back(&self, order: OrderId) {
        let outcome = match self
            .send(
                Method::GET,
                &format!("/orders/{order}"),
                None,
                None,
                Bytes::new(),
            )
            .await
        {
            Ok(answer) if answer.status == StatusCode::OK => {
                let body: serde_json::Value =
                    serde_json::from_slice(&answer.body).unwrap_or_default();
                format!("200 {}", body["status"].as_str().unwrap_or("?"))
            }
            Ok(answer) => answer.status.as_u16().to_string(),
            Err(error) => error,
        };
        self.emit(Event::ReadBack {
            client: self.id,
            order,
            outcome,
        });
    }
}
