//! The explorer's HTTP routes: one handler per page, each reading the cached facts.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use saga_core::OrderId;
use saga_core::ports::Clock;

use crate::ExplorerConfig;
use crate::access::Viewer;
use crate::html::page::{Frame, Section, page};
use crate::html::{self};
use crate::source::{Current, Snapshots};
use crate::view::orders::OrderFilter;
use crate::view::{dead_letters, health, journey, orders};

#[derive(Clone)]
pub(crate) struct AppState {
    pub snapshots: Arc<Snapshots>,
    pub clock: Arc<dyn Clock>,
    pub config: ExplorerConfig,
    pub dead_letters: Option<crate::DeadLetterDeps>,
}

impl AppState {
    fn stuck_after(&self) -> time::Duration {
        time::Duration::try_from(self.config.stuck_after).unwrap_or(time::Duration::MAX)
    }

    pub(crate) fn render(
        &self,
        viewer: &Viewer,
        current: &Current,
        title: &str,
        section: Section,
        body: Markup,
    ) -> Html<String> {
        let frame = Frame {
            title,
            section,
            read_at: current.facts.read_at,
            refresh_secs: self.config.refresh.as_secs(),
            error: current.error.as_deref(),
            open: viewer.open(),
        };
        Html(page(&frame, body).into_string())
    }
}

pub(crate) async fn order_list(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(fields): Query<BTreeMap<String, String>>,
) -> Response {
    let current = state.snapshots.current().await;
    let (mut filter, error) = match OrderFilter::parse(&fields) {
        Ok(filter) => (filter, None),
        Err(error) => (OrderFilter::default(), Some(error.to_string())),
    };
    if !viewer.operator {
        filter.only_owner = Some(viewer.actor());
    }
    let now = state.clock.now();
    let list = orders::list(&current.facts, &filter, now, state.stuck_after());
    let body = html::orders::body(
        &list,
        &filter,
        state.stuck_after().whole_seconds(),
        error.as_deref(),
    );
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (
        status,
        state.render(&viewer, &current, "Orders", Section::Orders, body),
    )
        .into_response()
}

pub(crate) async fn order_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Response {
    let current = state.snapshots.current().await;
    let Ok(order) = id.parse::<OrderId>() else {
        let body = html! { h1 { "No such order" } p { "Order ids are positive whole numbers; " code { (id) } " is not one." } };
        let page = state.render(&viewer, &current, "Bad order id", Section::Orders, body);
        return (StatusCode::BAD_REQUEST, page).into_response();
    };
    let now = state.clock.now();
    // Another owner's order is as absent as one that does not exist (the gateway's rule).
    let owner = current
        .facts
        .orders
        .get(&order)
        .map(|o| o.owner.as_ref().map(|w| w.to_string()));
    let visible = owner.is_some_and(|owner| viewer.sees(owner.as_deref()));
    let found = visible.then(|| journey::of(&current.facts, order, now, state.stuck_after()));
    match found.flatten() {
        Some(journey) => {
            let body = html::journey::body(&journey);
            let title = format!("Order {order}");
            state
                .render(&viewer, &current, &title, Section::Orders, body)
                .into_response()
        }
        None => {
            let body =
                html! { h1 { "Order " (order) " not found" } p { a href="/" { "all orders" } } };
            let page = state.render(&viewer, &current, "Order not found", Section::Orders, body);
            (StatusCode::NOT_FOUND, page).into_response()
        }
    }
}

pub(crate) async fn saga_health(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Response {
    if !viewer.operator {
        return operators_only(&viewer);
    }
    let current = state.snapshots.current().await;
    let mut health = health::of(&current.facts, state.clock.now(), state.stuck_after());
    if let Some(deps) = &state.dead_letters {
        match deps.letters(&current.facts.dead_letters).await {
            Ok((letters, _)) => health.letters = Some(dead_letters::tally(&letters)),
            Err(error) => tracing::warn!(%error, "explorer: cannot read the dead letters"),
        }
    }
    let body = html::health::body(&health, state.stuck_after().whole_seconds());
    state
        .render(&viewer, &current, "Saga health", Section::Health, body)
        .into_response()
}

/// The answer to a client key on an operator's page: 403, and nothing read.
pub(crate) fn operators_only(viewer: &Viewer) -> Response {
    let body = html! {
        h1 { "Operators only" }
        p { (viewer.actor()) " is a client key: this page needs an operator key. " a href="/" { "Your orders" } }
    };
    let frame = Frame {
        title: "Operators only",
        section: Section::Orders,
        read_at: None,
        refresh_secs: 0,
        error: None,
        open: false,
    };
    (
        StatusCode::FORBIDDEN,
        Html(page(&frame, body).into_string()),
    )
        .into_response()
}

/// Liveness for orchestrators: 200 while the last read of the saga's state succeeded, 503
/// before the first read finished and after a failed one, with the reason. It never waits for
/// a read: a probe answers at once however slow the backends are, and a stale cache is
/// refreshed in the background.
pub(crate) async fn liveness(State(state): State<AppState>) -> Response {
    let (status, text) = match state.snapshots.peek() {
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "starting: the first read of the saga's state has not finished".to_owned(),
        ),
        Some(Current { error: None, .. }) => (StatusCode::OK, "ok".to_owned()),
        Some(Current {
            error: Some(error), ..
        }) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("unavailable: {error}"),
        ),
    };
    let body = serde_json::json!({"component": "explorer", "status": text}).to_string();
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}
