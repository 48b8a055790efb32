//! The order list page: counts per status, the filter form (a plain GET form, so it works
//! without JavaScript) and the newest matching orders, each linking to its timeline.

use maud::{Markup, html};
use saga_core::{OrderId, OrderStatus};

use super::format;
use crate::view::orders::{OrderFilter, OrderList, PAGE};

/// The list under its filter form; `error` names a filter field that did not parse.
pub fn body(
    list: &OrderList,
    filter: &OrderFilter,
    stuck_secs: i64,
    error: Option<&str>,
) -> Markup {
    let statuses = [
        OrderStatus::Pending,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ];
    html! {
        h1 { "Orders" }
        ul.counts {
            li { b { (list.total) } " orders" }
            @for status in statuses {
                li { b { (list.counts.get(&status).copied().unwrap_or(0)) } " "
                    a href={ "/?status=" (status.as_str()) } { span class={ "status " (status.as_str()) } { (status.as_str()) } } }
            }
            li { b.flag[list.stuck > 0] { (list.stuck) } " " a href="/?stuck=on" { "stuck (PENDING > " (stuck_secs) " s)" } }
        }
        @if let Some(error) = error {
            p.banner.error { "Filter not applied: " (error) }
        }
        form.filters method="get" action="/" {
            label { "Status"
                select name="status" {
                    option value="" { "any" }
                    @for status in statuses {
                        option value=(status.as_str()) selected[filter.status == Some(status)] { (status.as_str()) }
                    }
                }
            }
            label { "Item contains" input type="search" name="item" value=(filter.item.clone().unwrap_or_default()); }
            label { "Created within (s)" input type="number" min="0" name="max_age" value=(filter.max_age.map(|d| d.whole_seconds().to_string()).unwrap_or_default()); }
            label { "Stuck only" input type="checkbox" name="stuck" checked[filter.stuck]; }
            button type="submit" { "Filter" }
            a href="/" { "clear" }
        }
        p.muted {
            (list.matched) " matching"
            @if list.matched > PAGE { ", " (list.rows.len()) " shown, newest first" }
        }
        table #orders {
            thead { tr { th.num { "Order" } th { "Item" } th { "Status" } th.num { "Age" } th { "Created (UTC)" } th { "Correlation id" } } }
            tbody {
                @for row in &list.rows {
                    tr data-order=(row.order.id) {
                        td.num { a href={ "/orders/" (row.order.id) } { "#" (row.order.id) } }
                        td { (row.order.item) }
                        td {
                            span class={ "status " (row.order.status.as_str()) } { (row.order.status.as_str()) }
                            @if row.stuck { " " span.flag { "stuck" } }
                            @if row.violated { " " span.flag { "violates an invariant" } }
                        }
                        td.num { (format::span(row.age)) }
                        td.mono { (format::date_time(row.order.created_at)) }
                        td.mono { (row.order.correlation_id) }
                    }
                }
            }
        }
        @if list.rows.is_empty() { p.muted { "No order matches." } }
        @if let Some(next) = list.next {
            p { a #next-page href=(next_link(filter, next)) { "older orders" } }
        }
    }
}

/// The link to the page after `next` under the same filter.
fn next_link(filter: &OrderFilter, next: OrderId) -> String {
    let mut link = format!("/?before={next}");
    if let Some(status) = filter.status {
        link.push_str(&format!("&status={}", status.as_str()));
    }
    if let Some(item) = &filter.item {
        let item: String = item
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect();
        link.push_str(&format!("&item={item}"));
    }
    if let Some(age) = filter.max_age {
        link.push_str(&format!("&max_age={}", age.whole_seconds()));
    }
    if filter.stuck {
        link.push_str("&stuck=on");
    }
    link
}
