//! The dead-letter page's routes, an operator's: `GET /dead-letters` lists one page (filters
//! `reason`, `topic`, `all`; `after` for the next page); `POST /dead-letters` replays or discards one letter (`act=replay:ID` or
//! `discard:ID`, with `why` and the page's `csrf` token) and shows every letter again, with
//! what happened. A POST from another site, without the token or by a client key is refused
//! before anything is read.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use maud::html;
use saga_core::EventId;
use saga_runtime::dlq::{self, Actor, DlqError, Filter};
use time::OffsetDateTime;

use crate::access::{Viewer, check_post};
use crate::html::dead_letters::{self as page, Notice};
use crate::html::page::Section;
use crate::routes::{AppState, operators_only};
use crate::view::dead_letters::filter;

pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(fields): Query<BTreeMap<String, String>>,
) -> Response {
    if !viewer.operator {
        return operators_only(&viewer);
    }
    let parsed = filter(&fields).and_then(|f| Ok((f, after(&fields)?)));
    match parsed {
        Ok((f, after)) => render(&state, &viewer, &f, after, None, StatusCode::OK).await,
        Err(error) => {
            let notice = Notice {
                ok: false,
                text: format!("Filter not applied: {error}"),
            };
            let all = Filter::default();
            render(
                &state,
                &viewer,
                &all,
                None,
                Some(notice),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

/// The `after` field: where the page starts, as the previous page's link wrote it.
fn after(fields: &BTreeMap<String, String>) -> Result<Option<(OffsetDateTime, EventId)>, String> {
    let Some(text) = fields
        .get("after")
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
    else {
        return Ok(None);
    };
    match dlq::parse_position(text) {
        Some(position) => Ok(Some(position)),
        None => Err(format!("after {text:?} is not a page position")),
    }
}

pub(crate) async fn act(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    headers: HeaderMap,
    Form(fields): Form<BTreeMap<String, String>>,
) -> Response {
    if !viewer.operator {
        return operators_only(&viewer);
    }
    if let Err(why) = check_post(&viewer, &headers, fields.get("csrf").map(String::as_str)) {
        return refused(&why);
    }
    // The operator's request, as its caller traced it: a replay's span links to it.
    let request = saga_runtime::trace_context::incoming(&headers);
    let (status, notice) = match perform(&state, &viewer, &fields, request).await {
        Ok(text) => (StatusCode::OK, Notice { ok: true, text }),
        Err((status, text)) => (status, Notice { ok: false, text }),
    };
    // Closed letters too, so the one just acted on shows who did what.
    let all = Filter {
        closed_too: true,
        ..Filter::default()
    };
    render(&state, &viewer, &all, None, Some(notice), status).await
}

/// A POST refused before anything was read.
fn refused(why: &str) -> Response {
    let body = html! { h1 { "Not done" } p.banner.error #notice { (why) } p { a href="/dead-letters" { "back to the dead letters" } } };
    let frame = crate::html::page::Frame {
        title: "Not done",
        section: Section::DeadLetters,
        read_at: None,
        refresh_secs: 0,
        error: None,
        open: false,
    };
    let page = crate::html::page::page(&frame, body).into_string();
    (StatusCode::FORBIDDEN, axum::response::Html(page)).into_response()
}

async fn perform(
    state: &AppState,
    viewer: &Viewer,
    fields: &BTreeMap<String, String>,
    request: Option<saga_core::TraceParent>,
) -> Result<String, (StatusCode, String)> {
    let Some(deps) = &state.dead_letters else {
        return Err((
            StatusCode::NOT_FOUND,
            "this explorer cannot act on dead letters".into(),
        ));
    };
    let bad = |text: String| (StatusCode::BAD_REQUEST, text);
    let act = fields.get("act").map(String::as_str).unwrap_or_default();
    let (verb, id) = act
        .split_once(':')
        .ok_or_else(|| bad(format!("unknown action {act:?}")))?;
    let id: EventId = id
        .parse()
        .map_err(|_| bad(format!("{id:?} is not a dead letter id")))?;
    let letter = state
        .read(state.reader.letter(id))
        .await
        .map_err(|e| (StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?
        .ok_or_else(|| (StatusCode::NOT_FOUND, format!("no dead letter {id}")))?;
    let letter = &letter;
    let actor = Actor {
        name: viewer.actor(),
        why: fields.get("why").cloned().unwrap_or_default(),
        at: state.clock.now(),
        request,
        max_age: state.config.republish_max_age,
    };
    let refused = |e: DlqError| match e {
        DlqError::Port(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
        other => (StatusCode::CONFLICT, other.to_string()),
    };
    match verb {
        "replay" => {
            let done = dlq::replay(&*deps.bus, &*deps.ledger, letter, &actor, false)
                .await
                .map_err(refused)?;
            let count = done.message.replay.map_or(0, |m| m.count);
            Ok(format!(
                "Replayed {id} to {} (replay {count}) as {}.",
                done.message.topic, actor.name
            ))
        }
        "discard" => {
            dlq::discard(&*deps.ledger, letter, &actor)
                .await
                .map_err(refused)?;
            Ok(format!("Discarded {id} as {}.", actor.name))
        }
        other => Err(bad(format!("unknown action {other:?}"))),
    }
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    filter: &Filter,
    after: Option<(OffsetDateTime, EventId)>,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    if state.dead_letters.is_none() {
        let body = html! { h1 { "Dead letters" } p.muted { "This explorer was started without the dead-letter stores." } };
        return (
            status,
            state.render(viewer, None, "Dead letters", Section::DeadLetters, body),
        )
            .into_response();
    }
    let page = match state.read(state.reader.letters(filter, after)).await {
        Ok(page) => page,
        Err(error) => {
            let body = html! { h1 { "Dead letters" } p.banner.error { "Cannot read the dead letters: " (error.to_string()) } };
            let page = state.render(viewer, None, "Dead letters", Section::DeadLetters, body);
            return (StatusCode::SERVICE_UNAVAILABLE, page).into_response();
        }
    };
    let body = page::body(&page, filter, &viewer.csrf, notice.as_ref());
    (
        status,
        state.render(viewer, None, "Dead letters", Section::DeadLetters, body),
    )
        .into_response()
}
