//! The OpenAPI document, generated from the handlers' annotations, and the interactive docs:
//! Swagger UI compiled into the binary, so nothing is fetched from a CDN at run time.

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::Config;

use crate::handlers;

/// The public API's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "order-saga gateway", description = "Place orders and follow them through the saga."),
    paths(handlers::place_order, handlers::get_order, handlers::health, handlers::ready),
    components(schemas(
        saga_api::PlaceOrderRequest,
        saga_api::PlaceOrderResponse,
        saga_api::OrderResponse,
        saga_api::HealthResponse,
        saga_api::ErrorBody
    )),
    modifiers(&BearerKeys),
    tags((name = "orders"), (name = "operations"))
)]
pub struct ApiDoc;

/// What any order operation may answer before, or instead of, the Order API: the key check,
/// the limits and the upstream's failures. A document only: never constructed.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub(crate) enum Refusals {
    /// No API key, or an unknown one.
    #[response(status = 401, headers(("WWW-Authenticate" = String, description = "`Bearer`")))]
    Unauthorized(saga_api::ErrorBody),
    /// The body stopped arriving, or the whole request took too long.
    #[response(status = 408)]
    RequestTimeout(saga_api::ErrorBody),
    /// This API key's rate limit is exceeded.
    #[response(
        status = 429,
        headers(("Retry-After" = u64, description = "Seconds until a request will be accepted"))
    )]
    RateLimited(saga_api::ErrorBody),
    /// Too many requests in flight, or the order service unavailable.
    #[response(
        status = 503,
        headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))
    )]
    Unavailable(saga_api::ErrorBody),
    /// The order service did not answer in time.
    #[response(status = 504)]
    UpstreamTimeout(saga_api::ErrorBody),
}

/// The `api_key` security scheme the order operations require.
struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "An API key: `Authorization: Bearer <key>`. Orders are visible only to the key \
                 that placed them.",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("api_key", SecurityScheme::Http(scheme));
    }
}

/// The document this gateway serves: without authentication no operation requires a key and
/// none answers 401, so clients and fuzzers are told the truth.
pub(crate) fn document(authenticated: bool) -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    if !authenticated {
        for item in document.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.post];
            for operation in operations.into_iter().flatten() {
                operation.security = None;
                operation.responses.responses.remove("401");
                operation.responses.responses.remove("429");
            }
        }
        if let Some(components) = document.components.as_mut() {
            components.security_schemes.clear();
        }
    }
    document
}

/// `/openapi.json`, and Swagger UI at `/docs` (answered directly, not by redirect) and its
/// assets under `/docs/`.
pub(crate) fn routes(authenticated: bool) -> Router {
    let document = document(authenticated)
        .to_json()
        .expect("the OpenAPI document serializes");
    let config = Arc::new(Config::from("/openapi.json"));
    let assets = config.clone();
    Router::new()
        .route(
            "/openapi.json",
            get(move || async move { ([(header::CONTENT_TYPE, "application/json")], document) }),
        )
        .route("/docs", get(move || async move { index(&config) }))
        .route(
            "/docs/",
            get(|| async { axum::response::Redirect::permanent("/docs") }),
        )
        .route(
            "/docs/{*file}",
            get(move |Path(file): Path<String>| async move { asset(&file, &assets) }),
        )
}

/// The Swagger UI page, with a `<base>` so its relative asset links resolve under `/docs/`.
fn index(config: &Arc<Config<'static>>) -> Response {
    match utoipa_swagger_ui::serve("index.html", config.clone()) {
        Ok(Some(file)) => {
            let html = String::from_utf8_lossy(&file.bytes).replacen(
                "<head>",
                "<head>\n    <base href=\"/docs/\">",
                1,
            );
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn asset(file: &str, config: &Arc<Config<'static>>) -> Response {
    match utoipa_swagger_ui::serve(file, config.clone()) {
        Ok(Some(file)) => (
            [(header::CONTENT_TYPE, file.content_type)],
            file.bytes.into_owned(),
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, "serving a Swagger UI asset failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
