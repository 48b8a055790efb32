//! The dead-letter page: one form (a POST, so it works without JavaScript) holding the
//! operator's key and reason, and per letter a Replay and a Discard button; letters grouped by
//! reason, source topic and rejecting group with counts and first/last seen, each with its
//! source position, replay count, payload preview and what was done with it.

use maud::{Markup, html};
use saga_runtime::dlq::{self, DeadLetter, Filter, Kept};

use super::format;
use saga_core::EventId;
use time::OffsetDateTime;

use crate::reader::LetterPage;

/// Longest payload preview on the page, in characters.
const PREVIEW: usize = 120;

/// What an action did, shown above the list.
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

pub fn body(page: &LetterPage, filter: &Filter, csrf: &str, notice: Option<&Notice>) -> Markup {
    let open: u64 = page.groups.iter().map(|g| g.open).sum();
    let matched: u64 = page.groups.iter().map(|g| g.total).sum();
    html! {
        h1 { "Dead letters" }
        @if let Some(n) = notice {
            p.banner.ok[n.ok].error[!n.ok] #notice { (n.text) }
        }
        ul.counts {
            li { b #open-count { (open) } " open" }
            li { a href="/dead-letters?all=on" { "include replayed and discarded" } }
            @if page.unreadable > 0 { li { b { (page.unreadable) } " DLQ records are not rejections" } }
        }
        form.filters method="get" action="/dead-letters" {
            label { "Reason" input type="text" name="reason" value=(filter.reason.map(|r| r.as_str()).unwrap_or_default()); }
            label { "Source topic" input type="text" name="topic" value=(filter.topic.map(|t| t.as_str()).unwrap_or_default()); }
            label { "Closed too" input type="checkbox" name="all" checked[filter.closed_too]; }
            button type="submit" { "Filter" }
            a href="/dead-letters" { "clear" }
        }
        @if page.groups.is_empty() { p.muted { "No dead letter matches." } }
        @else {
            table #dlq-groups {
                thead { tr { th { "Reason" } th { "Source topic" } th { "Rejected by" } th.num { "Letters" } th.num { "Open" } th { "First / last (UTC)" } } }
                tbody {
                    @for g in &page.groups {
                        tr.dlq-group data-reason=(g.reason.as_str()) data-topic=(g.topic.as_str()) {
                            td { code { (g.reason.as_str()) } }
                            td { code { (g.topic.as_str()) } }
                            td.group { (g.group) }
                            td.num { (g.total) }
                            td.num { (g.open) }
                            td.mono { (format::date_time(g.first)) br; (format::date_time(g.last)) }
                        }
                    }
                }
            }
        }
        form #act method="post" action="/dead-letters" {
            div.filters {
                input type="hidden" name="csrf" value=(csrf);
                label { "Why" input type="text" name="why" size="40"; }
            }
            @if !page.letters.is_empty() {
                p.muted { (page.letters.len()) " of " (matched) " shown, oldest first" }
                table #letters {
                    thead { tr { th { "Dead letter" } th { "Source" } th.num { "Replays" } th { "Payload" } th { "Status" } th {} } }
                    tbody { @for l in &page.letters { (row(l)) } }
                }
            }
        }
        @if let Some(next) = page.next {
            p { a #next-page href=(next_link(filter, next)) { "next page" } }
        }
    }
}

fn next_link(filter: &Filter, (at, id): (OffsetDateTime, EventId)) -> String {
    let mut link = format!("/dead-letters?after={}", dlq::format_position((at, id)));
    if let Some(reason) = filter.reason {
        link.push_str(&format!("&reason={}", reason.as_str()));
    }
    if let Some(topic) = filter.topic {
        link.push_str(&format!("&topic={}", topic.as_str()));
    }
    if filter.closed_too {
        link.push_str("&all=on");
    }
    link
}

fn row(l: &DeadLetter) -> Markup {
    let r = &l.rejection;
    let kept = match l.kept {
        Kept::Topic {
            topic,
            partition,
            offset,
        } => format!("{topic}/{partition}@{offset}"),
        Kept::Table => "dead_letters table".into(),
    };
    html! {
        tr data-letter=(l.id) data-reason=(r.code.as_str()) data-topic=(r.source.topic.as_str()) {
            td.mono { (l.id) br; span.muted { (format::date_time(l.at)) " \u{b7} " (kept) } }
            td.mono { (r.source.topic) "/" (r.source.partition) "@" (r.source.offset) br; "key " (r.source.key.as_deref().unwrap_or("-")) }
            td.num { (r.replay_count) }
            td.mono.preview title=(r.reason) {
                (dlq::preview(&r.original.bytes, PREVIEW))
                @if r.original.truncated { br; span.flag { "truncated: " (r.original.size) " bytes, cannot be replayed" } }
            }
            td {
                @match &l.action {
                    None => span.status.PENDING { "open" },
                    Some(a) => span { (a.kind.as_str()) " by " b { (a.actor) } " " (format::date_time(a.at)) @if !a.why.is_empty() { br; i { (a.why) } } },
                }
            }
            td {
                @if l.is_open() {
                    button type="submit" name="act" value={ "replay:" (l.id) } disabled[r.original.truncated] { "Replay" }
                    " "
                    button.secondary type="submit" name="act" value={ "discard:" (l.id) } { "Discard" }
                }
            }
        }
    }
}
