//! The saga health page.

use maud::{Markup, html};

use super::format;
use crate::view::health::Health;

pub fn body(health: &Health, stuck_secs: i64) -> Markup {
    let r = &health.retained;
    html! {
        h1 { "Saga health" }
        @match health.violations {
            Some(0) => p.banner.ok { "The invariant checker finds no safety violation." },
            Some(n) => p.banner.error { "The invariant checker finds " (n) " safety violation(s): see the orders marked on the list." },
            None => p.banner { "No auditor is configured (AUDITOR_URL), so nothing judges the orders here." },
        }
        div.grid {
            div.card #outbox {
                h3 { "Outbox backlog" }
                div.big { (health.unpublished) }
                "unpublished rows"
                @if let Some(age) = health.oldest_unpublished { br; "oldest waiting " (format::span(age)) }
            }
            div.card #stuck {
                h3 { "Stuck orders" }
                div.big.flag[health.stuck > 0] { (health.stuck) }
                a href="/?stuck=on" { "PENDING longer than " (stuck_secs) " s" }
            }
            div.card #dlq {
                h3 { "Dead letters" }
                @for (topic, count) in &health.dead_letters {
                    div { b { (count) } " on " code { (topic) } }
                }
                @if let Some(t) = &health.letters {
                    @let open: u64 = t.open.values().sum();
                    div #dlq-open { b.flag[open > 0] { (open) } " open" }
                    @for (reason, n) in &t.open { div { (n) " " code { (reason) } } }
                    div.muted { (t.replayed) " replayed, " (t.discarded) " discarded, " (t.in_table) " in the dead_letters table" }
                }
                @if let Some(n) = health.undecodable.filter(|n| *n > 0) {
                    div { b { (n) } " records on the main topics are not saga events" }
                }
                a href="/dead-letters" { "open the dead letters" }
            }
            div.card #lag {
                h3 { "Consumer lag" }
                table {
                    @for lag in &health.lags {
                        tr { td { (lag.group) } td.mono { (lag.topic) } td.num { (lag.lag) } }
                    }
                }
            }
            div.card #retention {
                h3 { "Held for retention" }
                table {
                    tr { td { "outbox rows (published)" } td.num { (r.outbox_rows) " (" (r.published_outbox_rows) ")" } }
                    tr { td { "processed events" } td.num { (r.processed_events) } }
                    tr { td { "idempotency keys" } td.num { (r.idempotency_keys) } }
                    @if let Some(n) = r.decisions { tr { td { "payment decisions" } td.num { (n) } } }
                }
            }
        }
    }
}
