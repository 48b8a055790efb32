//! `GET /login` shows the form; `POST /login` checks the key and keeps it in the browser's
//! cookie (`crate::access::KEY_COOKIE`), then sends the browser to the orders.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::access::{Access, KEY_COOKIE};
use crate::html;

pub(crate) async fn form() -> Html<String> {
    Html(html::login::page(None).into_string())
}

pub(crate) async fn submit(
    State(access): State<Access>,
    headers: HeaderMap,
    Form(fields): Form<BTreeMap<String, String>>,
) -> Response {
    let key = fields.get("key").map(|k| k.trim()).unwrap_or_default();
    let Some(viewer) = access.viewer(Some(key)) else {
        let page = html::login::page(Some("That is not one of the configured API keys."));
        return (StatusCode::UNAUTHORIZED, Html(page.into_string())).into_response();
    };
    // The login form carries no token yet: the Origin check alone keeps other sites out.
    if let Err(why) = crate::access::check_post(&viewer, &headers, Some(&viewer.csrf)) {
        return (
            StatusCode::FORBIDDEN,
            Html(html::login::page(Some(&why)).into_string()),
        )
            .into_response();
    }
    let cookie = format!("{KEY_COOKIE}={key}; HttpOnly; SameSite=Strict; Path=/");
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/".to_owned()),
            (header::SET_COOKIE, cookie),
        ],
    )
        .into_response()
}
