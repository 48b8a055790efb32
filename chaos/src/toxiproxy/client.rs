//! The HTTP client: `/version`, `/proxies`, `/proxies/{name}` (enable, disable) and
//! `/proxies/{name}/toxics` (add, list, remove). Every call is bounded by a timeout.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::Full;
use saga_runtime::net::{HttpClient, TcpDialer, http_client};
use serde::Deserialize;
use serde_json::Value;

use super::toxic::Toxic;

const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// A Toxiproxy call that failed.
#[derive(Debug, thiserror::Error)]
pub enum ToxiproxyError {
    #[error("Toxiproxy unreachable at {base}: {reason}")]
    Unreachable { base: String, reason: String },
    #[error("Toxiproxy {method} {path} answered {status}: {body}")]
    Refused {
        method: Method,
        path: String,
        status: StatusCode,
        body: String,
    },
    #[error("Toxiproxy {path}: unexpected answer: {reason}")]
    Decode { path: String, reason: String },
}

/// A proxy as `/proxies` describes it.
#[derive(Debug, Clone, Deserialize)]
pub struct Proxy {
    pub name: String,
    pub listen: String,
    pub upstream: String,
    pub enabled: bool,
    #[serde(default)]
    pub toxics: Vec<ListedToxic>,
}

/// A toxic as `/proxies/{name}/toxics` lists it (only what the runner needs).
#[derive(Debug, Clone, Deserialize)]
pub struct ListedToxic {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// A Toxiproxy server's API, e.g. at `http://127.0.0.1:8474`.
#[derive(Clone)]
pub struct Toxiproxy {
    http: HttpClient,
    base: String,
}

impl Toxiproxy {
    pub fn new(base: &str) -> Self {
        Self {
            http: http_client(Arc::new(TcpDialer)),
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Bytes, ToxiproxyError> {
        let unreachable = |reason: String| ToxiproxyError::Unreachable {
            base: self.base.clone(),
            reason,
        };
        let payload = body.map(|b| b.to_string()).unwrap_or_default();
        let request = Request::builder()
            .method(method.clone())
            .uri(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(payload)))
            .map_err(|e| unreachable(e.to_string()))?;
        let exchange = saga_runtime::net::exchange(&self.http, request);
        let (status, bytes) = tokio::time::timeout(CALL_TIMEOUT, exchange)
            .await
            .map_err(|_| unreachable(format!("no answer within {CALL_TIMEOUT:?}")))?
            .map_err(unreachable)?;
        if !status.is_success() {
            return Err(ToxiproxyError::Refused {
                method,
                path: path.to_owned(),
                status,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        Ok(bytes)
    }

    fn decode<T: serde::de::DeserializeOwned>(
        path: &str,
        bytes: &[u8],
    ) -> Result<T, ToxiproxyError> {
        serde_json::from_slice(bytes).map_err(|e| ToxiproxyError::Decode {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }

    /// The server's version string.
    ///
    /// # Errors
    /// When the server does not answer.
    pub async fn version(&self) -> Result<String, ToxiproxyError> {
        let bytes = self.call(Method::GET, "/version", None).await?;
        Ok(String::from_utf8_lossy(&bytes).trim().to_owned())
    }

    /// Every proxy, by name.
    ///
    /// # Errors
    /// When the server does not answer or answers something else than a proxy map.
    pub async fn proxies(&self) -> Result<Vec<Proxy>, ToxiproxyError> {
        let bytes = self.call(Method::GET, "/proxies", None).await?;
        let map: std::collections::BTreeMap<String, Proxy> = Self::decode("/proxies", &bytes)?;
        Ok(map.into_values().collect())
    }

    /// One proxy.
    ///
    /// # Errors
    /// When the server does not answer or has no such proxy.
    pub async fn proxy(&self, name: &str) -> Result<Proxy, ToxiproxyError> {
        let path = format!("/proxies/{name}");
        let bytes = self.call(Method::GET, &path, None).await?;
        Self::decode(&path, &bytes)
    }

    /// Enables (`true`) or disables (`false`, an outage: connections are refused and open
    /// ones closed) a proxy.
    ///
    /// # Errors
    /// When the server does not answer or has no such proxy.
    pub async fn set_enabled(&self, proxy: &str, enabled: bool) -> Result<(), ToxiproxyError> {
        let body = serde_json::json!({ "enabled": enabled });
        self.call(Method::POST, &format!("/proxies/{proxy}"), Some(body))
            .await
            .map(drop)
    }

    /// Adds a toxic to a proxy.
    ///
    /// # Errors
    /// When the server does not answer, has no such proxy, or already has a toxic of that name.
    pub async fn add_toxic(&self, proxy: &str, toxic: &Toxic) -> Result<(), ToxiproxyError> {
        let path = format!("/proxies/{proxy}/toxics");
        self.call(Method::POST, &path, Some(toxic.to_json()))
            .await
            .map(drop)
    }

    /// Removes a toxic from a proxy.
    ///
    /// # Errors
    /// When the server does not answer or has no such proxy or toxic.
    pub async fn remove_toxic(&self, proxy: &str, toxic: &str) -> Result<(), ToxiproxyError> {
        let path = format!("/proxies/{proxy}/toxics/{toxic}");
        self.call(Method::DELETE, &path, None).await.map(drop)
    }

    /// Removes every toxic of a proxy and enables it: the proxy passes traffic untouched.
    ///
    /// # Errors
    /// When the server does not answer or has no such proxy.
    pub async fn heal(&self, proxy: &str) -> Result<(), ToxiproxyError> {
        for toxic in self.proxy(proxy).await?.toxics {
            self.remove_toxic(proxy, &toxic.name).await?;
        }
        self.set_enabled(proxy, true).await
    }
}
