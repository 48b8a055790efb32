//! The Order API as the gateway sees it: one request with a deadline, mapped to 503/504.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use saga_runtime::net::HttpClient;

use crate::error::GatewayError;

/// An answer from the Order API.
pub(crate) struct UpstreamResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Clone)]
pub(crate) struct Upstream {
    client: HttpClient,
    base: Uri,
    timeout: Duration,
}

impl Upstream {
    pub fn new(client: HttpClient, base: Uri, timeout: Duration) -> Self {
        Self {
            client,
            base,
            timeout,
        }
    }

    /// Sends one request; the whole exchange (connect, send, read body) shares the deadline.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: Vec<(&'static str, HeaderValue)>,
        body: Bytes,
    ) -> Result<UpstreamResponse, GatewayError> {
        let uri = format!("{}{}", self.base.to_string().trim_end_matches('/'), path);
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = request
            .body(Full::new(body))
            .map_err(|e| GatewayError::UpstreamUnavailable(e.to_string()))?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| {
                GatewayError::UpstreamUnavailable(format!(
                    "{e}: {:?}",
                    std::error::Error::source(&e)
                ))
            })?;
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| GatewayError::UpstreamUnavailable(e.to_string()))?
                .to_bytes();
            Ok(UpstreamResponse {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| GatewayError::UpstreamTimeout(self.timeout))?
    }
}
