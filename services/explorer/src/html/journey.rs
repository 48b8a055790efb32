//! One order's page: what it is, the invariant badge, the chart of its steps on the
//! components' lanes and the list of steps with times and gaps.

use maud::{Markup, html};

use super::format;
use super::timeline::{self, Times};
use crate::timeline::Chart;
use crate::view::journey::{Journey, LANES, Verdict};

pub fn body(journey: &Journey) -> Markup {
    let order = &journey.order;
    let chart = Chart::new(&LANES, &journey.steps);
    html! {
        p { a href="/" { "\u{2190} all orders" } }
        h1 {
            "Order #" (order.id) " \u{201c}" (order.item) "\u{201d} "
            span class={ "status " (order.status.as_str()) } #status { (order.status.as_str()) }
        }
        p { (verdict(&journey.verdict)) }
        @if journey.stuck {
            p.banner.error { "Stuck: PENDING for " (format::span(journey.age)) "." }
        }
        p.muted.mono {
            "created " (format::date_time(order.created_at)) " \u{00b7} updated " (format::date_time(order.updated_at))
            " \u{00b7} correlation id " (order.correlation_id)
        }
        @if let Some(svg) = timeline::chart(&chart, Times::Clock) {
            h2 { "Timeline" }
            (svg)
        }
        h2 { "Steps" }
        (timeline::steps(&journey.steps, Times::Clock))
    }
}

/// The badge: whether the order keeps the saga's promises (exactly one terminal state,
/// delivery iff COMPLETED, and the rest the checker judges).
pub fn verdict(verdict: &Verdict) -> Markup {
    html! {
        @match verdict {
            Verdict::Holds => span.badge.holds #verdict { "\u{2713} satisfies the invariants" },
            Verdict::InFlight => span.badge.inflight #verdict { "in flight \u{2014} no invariant violated so far" },
            Verdict::Violated(lines) => {
                span.badge.violated #verdict { "\u{2717} violates " (lines.len()) " invariant(s)" }
                ul { @for line in lines { li.mono { (line) } } }
            }
        }
    }
}
