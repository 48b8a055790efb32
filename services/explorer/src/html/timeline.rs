//! The timeline view drawn: a list of steps with their times and the gaps between them, and a
//! chart with one lane per component or host, fault bands across lanes and each step a dot.

use maud::{Markup, html};
use time::OffsetDateTime;

use super::format;
use crate::timeline::{Chart, Step, Tone};

/// How times are written: wall-clock, or relative to the start of a run (the simulation).
#[derive(Debug, Clone, Copy)]
pub enum Times {
    Clock,
    SinceStart(OffsetDateTime),
}

impl Times {
    fn at(self, t: OffsetDateTime) -> String {
        match self {
            Self::Clock => format::clock(t),
            Self::SinceStart(origin) => format!("t={:.3} s", (t - origin).as_seconds_f64()),
        }
    }
}

/// The steps in order, each with its time and the gap since the previous timed step.
pub fn steps(steps: &[Step], times: Times) -> Markup {
    let mut previous: Option<OffsetDateTime> = None;
    let gaps: Vec<Option<String>> = steps
        .iter()
        .map(|step| {
            let at = step.at?;
            let gap = previous.map(|before| format::gap(at - before));
            previous = Some(at);
            gap
        })
        .collect();
    html! {
        ol.steps {
            @for (step, gap) in steps.iter().zip(gaps) {
                li class=(step.tone.as_str()) data-step=(step.title) {
                    span.when {
                        @if let Some(at) = step.at {
                            (times.at(at))
                            @if let Some(gap) = gap {
                                span.gap { (gap) }
                            }
                        } @else {
                            span.muted { "no time recorded" }
                        }
                    }
                    span.title { (step.title) }
                    span.lane { (step.lane) }
                    @for line in &step.details {
                        span.detail.mono { (line) }
                    }
                }
            }
        }
    }
}

const WIDTH: f64 = 1000.0;
const LABEL: f64 = 150.0;
const LANE: f64 = 26.0;
const TOP: f64 = 22.0;

/// The chart as inline SVG; `None` when nothing in it has a time.
pub fn chart(chart: &Chart, times: Times) -> Option<Markup> {
    let (from, to) = chart.span()?;
    let from = match times {
        Times::SinceStart(origin) => from.min(origin),
        Times::Clock => from,
    };
    let length = (to - from).as_seconds_f64().max(1e-3);
    let plot = WIDTH - LABEL - 10.0;
    let x = |t: OffsetDateTime| LABEL + (t - from).as_seconds_f64() / length * plot;
    let lane_y = |lane: &str| {
        let index = chart.lanes.iter().position(|l| l == lane).unwrap_or(0);
        TOP + index as f64 * LANE + LANE / 2.0
    };
    let height = TOP + chart.lanes.len() as f64 * LANE + 6.0;
    let ticks: Vec<OffsetDateTime> = (0..=4)
        .map(|i| from + (to - from) * (f64::from(i) / 4.0))
        .collect();
    let svg = html! {
        div.chart {
            svg viewBox=(format!("0 0 {WIDTH} {height:.0}")) role="img" aria-label="timeline" {
                @for (i, t) in ticks.iter().enumerate() {
                    @let anchor = match i { 0 => "start", 4 => "end", _ => "middle" };
                    text.tick x=(fmt(x(*t))) y="12" text-anchor=(anchor) {
                        @if i == 0 { (times.at(*t)) } @else { (format::gap(*t - from)) }
                    }
                }
                @for lane in &chart.lanes {
                    line.lane-line x1=(fmt(LABEL)) x2=(fmt(WIDTH - 10.0)) y1=(fmt(lane_y(lane))) y2=(fmt(lane_y(lane))) {}
                    text.lane-label x="4" y=(fmt(lane_y(lane) + 4.0)) { (lane) }
                }
                @for band in &chart.bands {
                    @for lane in &band.lanes {
                        g {
                            title { (band.detail) ": " (times.at(band.from)) " \u{2192} " (times.at(band.to)) }
                            rect.band x=(fmt(x(band.from))) y=(fmt(lane_y(lane) - LANE / 2.0 + 2.0))
                                width=(fmt((x(band.to) - x(band.from)).max(2.0))) height=(fmt(LANE - 4.0)) {}
                            text.band-label x=(fmt(x(band.from) + 2.0)) y=(fmt(lane_y(lane) - 3.0)) { (band.label) }
                        }
                    }
                }
                @for step in &chart.steps {
                    @if let Some(at) = step.at {
                        @let hl = step.order.is_some_and(|o| chart.highlighted.contains(&o));
                        circle class=(dot_class(step.tone, hl)) cx=(fmt(x(at))) cy=(fmt(lane_y(&step.lane)))
                            r=(if hl { "4.5" } else { "3.5" }) {
                            title {
                                (times.at(at)) " " (step.lane) ": " (step.title)
                                @if let Some(order) = step.order { " (order " (order) ")" }
                            }
                        }
                    }
                }
            }
        }
    };
    Some(svg)
}

fn dot_class(tone: Tone, highlighted: bool) -> String {
    match highlighted {
        true => format!("step {} hl", tone.as_str()),
        false => format!("step {}", tone.as_str()),
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::timeline::Band;

    #[test]
    fn steps_show_times_and_gaps_and_the_chart_draws_bands() {
        let t0 = datetime!(2026-11-25 10:00:00 UTC);
        let list = [
            Step::new("order-api", Some(t0), "Committed"),
            Step::new("outbox-relay", None, "<script>not drawn</script>").tone(Tone::Waiting),
            Step::new(
                "outbox-relay",
                Some(t0 + time::Duration::milliseconds(35)),
                "Published",
            )
            .order(7),
        ];
        let html = steps(&list, Times::Clock).into_string();
        assert!(html.contains("10:00:00.035"), "{html}");
        assert!(
            html.contains("+35 ms"),
            "the gap is from the last timed step: {html}"
        );
        assert!(html.contains("&lt;script&gt;"), "text is escaped: {html}");

        let mut drawn = Chart::new(&["order-api", "outbox-relay"], &list);
        drawn.highlighted.push(7);
        drawn.add_band(Band {
            lanes: vec!["outbox-relay".into()],
            from: t0 + time::Duration::milliseconds(10),
            to: t0 + time::Duration::milliseconds(20),
            label: "#4".into(),
            detail: "crash outbox-relay".into(),
        });
        let svg = chart(&drawn, Times::SinceStart(t0)).unwrap().into_string();
        assert_eq!(
            svg.matches("<circle").count(),
            2,
            "untimed steps are not drawn: {svg}"
        );
        assert!(
            svg.contains("class=\"step done hl\""),
            "order 7 is highlighted: {svg}"
        );
        assert!(
            svg.contains("crash outbox-relay") && svg.contains("#4"),
            "{svg}"
        );
        assert!(svg.contains("t=0.035 s"), "{svg}");
        assert!(chart(&Chart::default(), Times::Clock).is_none());
    }
}
