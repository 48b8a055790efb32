//! The dead-letter page: one form (a POST, so it works without JavaScript) holding the
//! operator's key and reason, and per letter a Replay and a Discard button; letters grouped by
//! reason, source topic and rejecting group with counts and first/last seen, each with its
//! source position, replay count, payload preview and what was done with it.

use maud::{Markup, html};
use saga_runtime::dlq::{self, DeadLetter, Filter, Kept};

use super::format;
use crate::view::dead_letters::Group;

/// Longest payload preview on the page, in characters.
const PREVIEW: usize = 120;

/// What an action did, shown above the list.
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

pub fn body(
    groups: &[Group<'_>],
    filter: &Filter,
    unreadable: usize,
    csrf: &str,
    notice: Option<&Notice>,
) -> Markup {
    let open: usize = groups.iter().map(|g| g.open).sum();
    html! {
        h1 { "Dead letters" }
        @if let Some(n) = notice {
            p.banner.ok[n.ok].error[!n.ok] #notice { (n.text) }
        }
        ul.counts {
            li { b #open-count { (open) } " open" }
            li { a href="/dead-letters?all=on" { "include replayed and discarded" } }
            @if unreadable > 0 { li { b { (unreadable) } " DLQ records are not rejections" } }
        }
        form.filters method="get" action="/dead-letters" {
            label { "Reason" input type="text" name="reason" value=(filter.reason.map(|r| r.as_str()).unwrap_or_default()); }
            label { "Source topic" input type="text" name="topic" value=(filter.topic.map(|t| t.as_str()).unwrap_or_default()); }
            label { "Closed too" input type="checkbox" name="all" checked[filter.closed_too]; }
            button type="submit" { "Filter" }
            a href="/dead-letters" { "clear" }
        }
        form #act method="post" action="/dead-letters" {
            div.filters {
                input type="hidden" name="csrf" value=(csrf);
                label { "Why" input type="text" name="why" size="40"; }
            }
            @if groups.is_empty() { p.muted { "No dead letter matches." } }
            @for g in groups {
                section.dlq-group data-reason=(g.reason.as_str()) data-topic=(g.topic.as_str()) {
                    h3 {
                        code { (g.reason.as_str()) } " on " code { (g.topic.as_str()) }
                        ", rejected by " b.group { (g.group) } ": " (g.letters.len())
                        " (" (g.open) " open)"
                    }
                    p.muted { "first " (format::date_time(g.first)) ", last " (format::date_time(g.last)) " UTC" }
                    table {
                        thead { tr { th { "Dead letter" } th { "Source" } th.num { "Replays" } th { "Payload" } th { "Status" } th {} } }
                        tbody { @for l in &g.letters { (row(l)) } }
                    }
                }
            }
        }
    }
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
        tr data-letter=(l.id) {
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
