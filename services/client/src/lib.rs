//! A client of the saga's public HTTP API (the gateway), for the demo, the tests, the chaos
//! runner and the load generator, and the latency [`percentiles`] they report.

pub mod percentiles;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use bytes::Bytes;
use futures::StreamExt;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use saga_api::{OrderResponse, PlaceOrderResponse};
use saga_core::domain::TRACEPARENT_HEADER;
use saga_core::ports::{Entropy, OsEntropy};
use saga_core::snapshot::Acknowledged;
use saga_core::{OrderId, TraceParent};
use saga_runtime::net::{HttpClient, TcpDialer, http_client};

/// What `POST /place-order` answered.
#[derive(Debug, Clone)]
pub struct Placed {
    pub status: StatusCode,
    /// The order id when the answer was 202.
    pub order: Option<PlaceOrderResponse>,
    pub correlation_id: Option<String>,
    /// The `traceparent` the request was sent with: the order's trace.
    pub trace: TraceParent,
    pub body: Bytes,
}

/// Talks to a gateway at a base URL such as `http://127.0.0.1:8000`.
#[derive(Clone)]
pub struct SagaClient {
    http: HttpClient,
    base: String,
    /// `Authorization: Bearer <key>` on every request, when set.
    authorization: Option<http::HeaderValue>,
}

impl SagaClient {
    pub fn new(base: &str) -> Self {
        Self {
            http: http_client(Arc::new(TcpDialer)),
            base: base.trim_end_matches('/').to_owned(),
            authorization: None,
        }
    }

    /// The same client, sending `key` as `Authorization: Bearer <key>`.
    ///
    /// # Errors
    /// When the key cannot be a header value (it is never echoed).
    pub fn with_api_key(mut self, key: &str) -> anyhow::Result<Self> {
        let mut value = http::HeaderValue::from_str(&format!("Bearer {key}"))
            .map_err(|_| anyhow::anyhow!("an API key must be visible ASCII"))?;
        value.set_sensitive(true);
        self.authorization = Some(value);
        Ok(self)
    }

    async fn send(
        &self,
        mut request: Request<Full<Bytes>>,
    ) -> anyhow::Result<(StatusCode, http::HeaderMap, Bytes)> {
        if let Some(value) = &self.authorization {
            request
                .headers_mut()
                .insert(http::header::AUTHORIZATION, value.clone());
        }
        let response = self
            .http
            .request(request)
            .await
            .with_context(|| format!("cannot reach {}", self.base))?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .context("reading the response body")?
            .to_bytes();
        Ok((parts.status, parts.headers, body))
    }

    /// Places an order, in a new trace (sent as `traceparent`).
    ///
    /// # Errors
    /// When the gateway cannot be reached (any HTTP answer, even 5xx, is `Ok`).
    pub async fn place_order(
        &self,
        item: &str,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<Placed> {
        self.place_order_in(OsEntropy.new_trace(), item, idempotency_key)
            .await
    }

    /// Places an order in trace `trace`: what a client retrying one order sends each time.
    ///
    /// # Errors
    /// As [`SagaClient::place_order`].
    pub async fn place_order_in(
        &self,
        trace: TraceParent,
        item: &str,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<Placed> {
        let body = serde_json::to_vec(&serde_json::json!({ "item": item }))?;
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(format!("{}/place-order", self.base))
            .header("content-type", "application/json");
        if let Some(key) = idempotency_key {
            request = request.header(saga_api::IDEMPOTENCY_KEY, key);
        }
        request = request.header(TRACEPARENT_HEADER, trace.to_string());
        let (status, headers, body) = self.send(request.body(Full::new(body.into()))?).await?;
        let order = (status == StatusCode::ACCEPTED)
            .then(|| serde_json::from_slice(&body).ok())
            .flatten();
        let correlation_id = headers
            .get(saga_runtime::correlation::HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Placed {
            status,
            order,
            correlation_id,
            trace,
            body,
        })
    }

    /// Places `n` orders named `{label} {i}`, `concurrency` at a time; every answer, in the
    /// order they arrived.
    pub async fn place_many(
        &self,
        label: &str,
        n: usize,
        concurrency: usize,
    ) -> Vec<anyhow::Result<Placed>> {
        futures::stream::iter(0..n)
            .map(|i| {
                let client = self.clone();
                async move { client.place_order(&format!("{label} {i}"), None).await }
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await
    }

    /// [`SagaClient::place_many`] where every order must be accepted: what the checker needs
    /// of each.
    ///
    /// # Errors
    /// The first order that could not be placed or was not answered 202.
    pub async fn place_all_accepted(
        &self,
        label: &str,
        n: usize,
        concurrency: usize,
    ) -> anyhow::Result<Vec<Acknowledged>> {
        self.place_many(label, n, concurrency)
            .await
            .into_iter()
            .map(|placed| {
                let placed = placed?;
                let order = placed.order.as_ref().with_context(|| {
                    format!(
                        "not accepted: {} {}",
                        placed.status,
                        String::from_utf8_lossy(&placed.body)
                    )
                })?;
                Ok(Acknowledged {
                    order_id: OrderId::new(order.order_id)?,
                    idempotency_key: None,
                    trace: Some(placed.trace.trace_id()),
                })
            })
            .collect()
    }

    /// Reads an order; `Ok(None)` on 404.
    ///
    /// # Errors
    /// When the gateway cannot be reached or answers anything but 200 or 404.
    pub async fn get_order(&self, id: i64) -> anyhow::Result<Option<OrderResponse>> {
        let request = Request::get(format!("{}/orders/{id}", self.base)).body(Full::default())?;
        let (status, _, body) = self.send(request).await?;
        match status {
            StatusCode::OK => Ok(Some(
                serde_json::from_slice(&body).context("decoding an order")?,
            )),
            StatusCode::NOT_FOUND => Ok(None),
            other => bail!(
                "GET /orders/{id} answered {other}: {}",
                String::from_utf8_lossy(&body)
            ),
        }
    }

    /// The status and body of `GET {base}{path}`.
    ///
    /// # Errors
    /// When the server cannot be reached.
    pub async fn get(&self, path: &str) -> anyhow::Result<(StatusCode, Bytes)> {
        let request = Request::get(format!("{}{path}", self.base)).body(Full::default())?;
        let (status, _, body) = self.send(request).await?;
        Ok((status, body))
    }

    /// What `GET /ready` answers: 200 when the Order API and its database are ready, 503
    /// when either is not.
    ///
    /// # Errors
    /// When the gateway cannot be reached.
    pub async fn ready(&self) -> anyhow::Result<StatusCode> {
        let request = Request::get(format!("{}/ready", self.base)).body(Full::default())?;
        Ok(self.send(request).await?.0)
    }

    /// Polls until the order is COMPLETED or CANCELLED, or `patience` runs out.
    ///
    /// # Errors
    /// When the order is unknown, the gateway fails, or the order is still PENDING at the end.
    pub async fn wait_terminal(
        &self,
        id: i64,
        patience: Duration,
    ) -> anyhow::Result<OrderResponse> {
        let deadline = tokio::time::Instant::now() + patience;
        let mut pause = Duration::from_millis(2);
        loop {
            let order = self
                .get_order(id)
                .await?
                .with_context(|| format!("order {id} not found"))?;
            if order.status != "PENDING" {
                return Ok(order);
            }
            if tokio::time::Instant::now() >= deadline {
                bail!("order {id} still PENDING after {patience:?}");
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}
