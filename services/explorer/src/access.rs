//! Who may see the explorer and act on it. With API keys configured every page needs one — an
//! `Authorization: Bearer` header, or the cookie the login form sets — a client key sees only
//! its own orders, and only an operator key sees dead letters and acts on them. Without keys
//! (`API_AUTH=off`) the explorer is open and every page says so. A POST must come from the
//! explorer's own pages: its `Origin` (or `Referer`) names the host it was sent to, and it
//! carries the page's CSRF token, derived from the viewer's key and a per-process secret.
//! Both are checked before anything is read.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use saga_api::auth::{ApiKeys, Role};
use sha2::{Digest, Sha256};

/// The cookie the login form sets (the key itself: `HttpOnly`, `SameSite=Strict`).
pub const KEY_COOKIE: &str = "saga_explorer_key";

/// Who may use the explorer.
#[derive(Clone)]
pub struct Access {
    /// `None`: open to anyone who reaches the port.
    pub keys: Option<Arc<ApiKeys>>,
    /// What CSRF tokens are derived from: random per process, so a token is worth nothing
    /// elsewhere or after a restart.
    pub secret: String,
}

/// The viewer of one request, as the middleware found them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The key's name, or `None` on an open explorer.
    pub name: Option<String>,
    /// May see every order and act on dead letters.
    pub operator: bool,
    /// The token every form of this viewer's pages carries.
    pub csrf: String,
}

impl Viewer {
    /// Whether this viewer may see an order placed by `owner`.
    pub fn sees(&self, owner: Option<&str>) -> bool {
        self.operator || (self.name.is_some() && self.name.as_deref() == owner)
    }

    /// The name an action is recorded under.
    pub fn actor(&self) -> String {
        self.name.clone().unwrap_or_else(|| "anonymous".into())
    }

    /// Whether anyone who reaches the port is let in.
    pub fn open(&self) -> bool {
        self.name.is_none()
    }
}

/// The CSRF token of `key` (empty on an open explorer) under `secret`.
pub fn csrf_token(secret: &str, key: &str) -> String {
    let digest = Sha256::digest(format!("explorer-csrf\0{secret}\0{key}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Access {
    /// The viewer `key` makes, if it is a configured key (or the explorer is open).
    pub fn viewer(&self, key: Option<&str>) -> Option<Viewer> {
        let Some(keys) = &self.keys else {
            return Some(Viewer {
                name: None,
                operator: true,
                csrf: csrf_token(&self.secret, ""),
            });
        };
        let key = key?.trim();
        let principal = keys.principal(key)?;
        Some(Viewer {
            name: Some(principal.owner.to_string()),
            operator: principal.role >= Role::Operator,
            csrf: csrf_token(&self.secret, key),
        })
    }
}

/// The key a request carries: a bearer token, else the login cookie.
pub fn presented_key(headers: &HeaderMap) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let Some(key) = bearer {
        return Some(key.trim().to_owned());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == KEY_COOKIE)
        .map(|(_, key)| key.to_owned())
}

/// Middleware: lets a request in with its [`Viewer`] in its extensions, or answers 401 with
/// the login form.
pub async fn require_viewer(
    State(access): State<Access>,
    mut request: Request,
    next: Next,
) -> Response {
    match access.viewer(presented_key(request.headers()).as_deref()) {
        Some(viewer) => {
            request.extensions_mut().insert(viewer);
            next.run(request).await
        }
        None => {
            let page = crate::html::login::page(Some("This explorer needs an API key."));
            let page = axum::response::Html(page.into_string());
            let mut response = (StatusCode::UNAUTHORIZED, page).into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            response
        }
    }
}

/// Why a POST is refused before anything is read: sent from another site, or without this
/// viewer's token.
///
/// # Errors
/// The refusal's text.
pub fn check_post(viewer: &Viewer, headers: &HeaderMap, token: Option<&str>) -> Result<(), String> {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let from = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    if let Some(from) = from {
        let from_host = from
            .split_once("://")
            .map_or(from, |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default();
        if host != Some(from_host) {
            return Err(format!("a form sent from {from} is not this explorer's"));
        }
    }
    if token != Some(viewer.csrf.as_str()) {
        return Err("the form's token is missing or stale: reload the page and try again".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use saga_api::auth::entry;
    use saga_core::Owner;

    fn access() -> Access {
        let owner = |name: &str| Owner::parse(name).unwrap();
        let keys = ApiKeys::parse(&format!(
            "{},{}",
            entry(&owner("ops"), Role::Operator, "op-key"),
            entry(&owner("shop"), Role::Client, "client-key")
        ))
        .unwrap();
        Access {
            keys: Some(Arc::new(keys)),
            secret: "s".into(),
        }
    }

    #[test]
    fn keys_make_viewers_and_clients_see_their_own_orders() {
        let access = access();
        assert_eq!(access.viewer(None), None);
        assert_eq!(access.viewer(Some("nope")), None);
        let client = access.viewer(Some("client-key")).unwrap();
        assert!(!client.operator && client.sees(Some("shop")) && !client.sees(Some("ops")));
        assert!(!client.sees(None));
        let operator = access.viewer(Some("op-key")).unwrap();
        assert!(operator.operator && operator.sees(Some("shop")));
        assert_ne!(client.csrf, operator.csrf);
        let open = Access {
            keys: None,
            secret: "s".into(),
        };
        assert!(open.viewer(None).unwrap().open());
    }

    #[test]
    fn a_post_needs_this_hosts_origin_and_the_viewers_token() {
        let viewer = access().viewer(Some("op-key")).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        assert!(check_post(&viewer, &headers, Some(&viewer.csrf)).is_ok());
        assert!(check_post(&viewer, &headers, None).is_err());
        assert!(check_post(&viewer, &headers, Some("forged")).is_err());
        headers.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(check_post(&viewer, &headers, Some(&viewer.csrf)).is_err());
        headers.insert(header::ORIGIN, "http://127.0.0.1:8080".parse().unwrap());
        assert!(check_post(&viewer, &headers, Some(&viewer.csrf)).is_ok());
    }

    #[test]
    fn the_key_comes_from_a_bearer_header_or_the_login_cookie() {
        let mut headers = HeaderMap::new();
        assert_eq!(presented_key(&headers), None);
        headers.insert(
            header::COOKIE,
            format!("a=b; {KEY_COOKIE}=op-key").parse().unwrap(),
        );
        assert_eq!(presented_key(&headers).as_deref(), Some("op-key"));
        headers.insert(header::AUTHORIZATION, "Bearer client-key".parse().unwrap());
        assert_eq!(presented_key(&headers).as_deref(), Some("client-key"));
    }
}
