//! The key check as axum middleware ([`require_key`]) and the [`Principal`] extractor it feeds:
//! the gateway wraps its order routes in it; the explorer wraps its mutating actions in it with
//! [`Role::Operator`].

use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{ApiKeys, Principal, Role};
use crate::{ApiError, rejections};

/// The middleware's state: which keys are accepted, and the least role a route needs.
#[derive(Debug, Clone)]
pub struct RequireKey {
    pub keys: Arc<ApiKeys>,
    pub role: Role,
}

/// Authenticates `Authorization: Bearer <key>` and puts the [`Principal`] in the request's
/// extensions: 401 when the header is missing or the key unknown, 403 when the key's role is
/// below the route's. Use with `axum::middleware::from_fn_with_state(RequireKey { .. },
/// require_key)`.
pub async fn require_key(
    State(require): State<RequireKey>,
    mut request: Request,
    next: Next,
) -> Response {
    match authenticate(&require, request.headers()) {
        Ok(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err(error) => error.into_response(),
    }
}

fn authenticate(require: &RequireKey, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let unauthorized = |message: &str| {
        rejections::count("unauthorized");
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
            .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    };
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim())
        .ok_or_else(|| unauthorized("send an API key as `Authorization: Bearer <key>`"))?;
    let principal = require
        .keys
        .principal(key)
        .ok_or_else(|| unauthorized("unknown API key"))?;
    if principal.role < require.role {
        rejections::count("forbidden");
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this needs an {} key", require.role.as_str()),
        ));
    }
    Ok(principal.clone())
}

/// The caller, as [`require_key`] authenticated it. Rejects with 401 on a route without the
/// middleware; take `Option<Principal>` where authentication may be off.
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Principal>().cloned().ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "no API key checked",
            )
        })
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Principal {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Principal>().cloned())
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;
    use crate::auth::hash_key;

    fn app(role: Role) -> Router {
        let keys = ApiKeys::parse(&format!(
            "alice:client:{}\nops:operator:{}",
            hash_key("alice-key"),
            hash_key("ops-key")
        ))
        .unwrap();
        let require = RequireKey {
            keys: Arc::new(keys),
            role,
        };
        Router::new()
            .route(
                "/",
                get(|who: Principal| async move { who.owner.to_string() }),
            )
            .layer(axum::middleware::from_fn_with_state(require, require_key))
    }

    async fn status(app: &Router, authorization: Option<&str>) -> (StatusCode, String) {
        let mut request = Request::get("/");
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = app
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let challenge = response.headers().get("www-authenticate").cloned();
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        if status == StatusCode::UNAUTHORIZED {
            assert_eq!(challenge.unwrap(), "Bearer");
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(json["error"], "unauthorized");
        }
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn missing_or_unknown_keys_are_401_and_low_roles_403() {
        let client_route = app(Role::Client);
        assert_eq!(
            status(&client_route, None).await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            status(&client_route, Some("Bearer nope")).await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            status(&client_route, Some("Basic alice-key")).await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            status(&client_route, Some("bearer alice-key")).await,
            (StatusCode::OK, "alice".into())
        );
        assert_eq!(
            status(&client_route, Some("Bearer ops-key")).await,
            (StatusCode::OK, "ops".into()),
            "an operator may do what a client may"
        );
        let operator_route = app(Role::Operator);
        assert_eq!(
            status(&operator_route, Some("Bearer alice-key")).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(&operator_route, Some("Bearer ops-key")).await.0,
            StatusCode::OK
        );
    }
}
