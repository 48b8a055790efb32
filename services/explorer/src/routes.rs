//! The explorer's HTTP routes: one handler per page, each reading the cached facts.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use saga_core::OrderId;
use saga_core::ports::{Clock, PortError};

use crate::ExplorerConfig;
use crate::access::Viewer;
use crate::freshness::{Freshness, Verdict};
use crate::html::page::{Frame, Section, page};
use crate::html::{self};
use crate::reader::SagaReader;
use crate::view::journey;
use crate::view::orders::OrderFilter;

#[derive(Clone)]
pub(crate) struct AppState {
    pub reader: Arc<dyn SagaReader>,
    pub freshness: Arc<Freshness>,
    pub clock: Arc<dyn Clock>,
    pub config: ExplorerConfig,
    pub dead_letters: Option<crate::DeadLetterDeps>,
}

impl AppState {
    fn stuck_after(&self) -> time::Duration {
        time::Duration::try_from(self.config.stuck_after).unwrap_or(time::Duration::MAX)
    }

    /// `read`, recorded for `/health`.
    pub(crate) async fn read<T>(
        &self,
        read: impl Future<Output = Result<T, PortError>>,
    ) -> Result<T, PortError> {
        let read = read.await;
        self.freshness.record(&read);
        read
    }

    pub(crate) fn render(
        &self,
        viewer: &Viewer,
        error: Option<&str>,
        title: &str,
        section: Section,
        body: Markup,
    ) -> Html<String> {
        let refresh_secs = match section {
            // A page of forms: refreshing it would throw away what the operator typed.
            Section::DeadLetters => 0,
            _ => self.config.refresh.as_secs(),
        };
        let frame = Frame {
            title,
            section,
            read_at: error.is_none().then(|| self.clock.now()),
            refresh_secs,
            error,
            open: viewer.open(),
        };
        Html(page(&frame, body).into_string())
    }

    /// The page saying the saga could not be read.
    pub(crate) fn unreadable(
        &self,
        viewer: &Viewer,
        title: &str,
        section: Section,
        error: &PortError,
    ) -> Response {
        let text = error.to_string();
        let body = html! { h1 { (title) } p.muted { "Nothing to show until the saga's stores can be read again." } };
        let page = self.render(viewer, Some(&text), title, section, body);
        (StatusCode::SERVICE_UNAVAILABLE, page).into_response()
    }
}

pub(crate) async fn order_list(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(fields): Query<BTreeMap<String, String>>,
) -> Response {
    let (mut filter, mut error) = match OrderFilter::parse(&fields) {
        Ok(filter) => (filter, None),
        Err(error) => (OrderFilter::default(), Some(error.to_string())),
    };
    let before = match fields
        .get("before")
        .map(|b| b.trim())
        .filter(|b| !b.is_empty())
    {
        None => None,
        Some(text) => match text.parse::<OrderId>() {
            Ok(id) => Some(id),
            Err(_) => {
                error = Some(format!("before: {text:?} is not an order id"));
                None
            }
        },
    };
    if !viewer.operator {
        filter.only_owner = Some(viewer.actor());
    }
    let now = state.clock.now();
    let read = state
        .reader
        .orders(&filter, before, now, state.stuck_after());
    let list = match state.read(read).await {
        Ok(list) => list,
        Err(e) => return state.unreadable(&viewer, "Orders", Section::Orders, &e),
    };
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
        state.render(&viewer, None, "Orders", Section::Orders, body),
    )
        .into_response()
}

pub(crate) async fn order_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Response {
    let Ok(order) = id.parse::<OrderId>() else {
        let body = html! { h1 { "No such order" } p { "Order ids are positive whole numbers; " code { (id) } " is not one." } };
        let page = state.render(&viewer, None, "Bad order id", Section::Orders, body);
        return (StatusCode::BAD_REQUEST, page).into_response();
    };
    let facts = match state.read(state.reader.order(order)).await {
        Ok(facts) => facts,
        Err(e) => return state.unreadable(&viewer, "Order", Section::Orders, &e),
    };
    let now = state.clock.now();
    // Another owner's order is as absent as one that does not exist (the gateway's rule).
    let owner = facts
        .orders
        .get(&order)
        .map(|o| o.owner.as_ref().map(|w| w.to_string()));
    let visible = owner.is_some_and(|owner| viewer.sees(owner.as_deref()));
    let found = visible.then(|| journey::of(&facts, order, now, state.stuck_after()));
    match found.flatten() {
        Some(journey) => {
            let body = html::journey::body(&journey);
            let title = format!("Order {order}");
            state
                .render(&viewer, None, &title, Section::Orders, body)
                .into_response()
        }
        None => {
            let body =
                html! { h1 { "Order " (order) " not found" } p { a href="/" { "all orders" } } };
            let page = state.render(&viewer, None, "Order not found", Section::Orders, body);
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
    let read = state.reader.health(state.clock.now(), state.stuck_after());
    let health = match state.read(read).await {
        Ok(health) => health,
        Err(e) => return state.unreadable(&viewer, "Saga health", Section::Health, &e),
    };
    let body = html::health::body(&health, state.stuck_after().whole_seconds());
    state
        .render(&viewer, None, "Saga health", Section::Health, body)
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

/// Liveness for orchestrators: 200 while a read of the saga's state succeeded within
/// `EXPLORER_STALE_AFTER_SECONDS`, 503 before the first good read and after that bound, with
/// the reason. It never waits for a read: a probe answers at once however slow the backends
/// are, and a read is started in the background when the last good one is older than the
/// refresh interval.
pub(crate) async fn liveness(State(state): State<AppState>) -> Response {
    if state.freshness.should_probe(state.config.refresh) {
        let probe = state.clone();
        tokio::spawn(async move {
            let all = OrderFilter::default();
            let read = probe
                .reader
                .orders(&all, None, probe.clock.now(), probe.stuck_after());
            probe.read(read).await.ok();
            probe.freshness.probed();
        });
    }
    let (status, text) = match state.freshness.verdict(state.config.stale_after) {
        Verdict::Fresh => (StatusCode::OK, "ok".to_owned()),
        Verdict::Starting(error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            match error {
                None => "starting: the first read of the saga's state has not finished".to_owned(),
                Some(error) => format!("unavailable: {error}"),
            },
        ),
        Verdict::Stale { age, error } => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "unavailable: no good read of the saga's state for {} s (bound {} s){}",
                age.as_secs(),
                state.config.stale_after.as_secs(),
                error.map(|e| format!(": {e}")).unwrap_or_default()
            ),
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
