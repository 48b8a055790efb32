//! A scenario's run as a self-contained HTML page (`chaos run --html DIR`, written for each
//! failing scenario), drawn with the explorer's timeline view like the simulation's seed page:
//! the backends and components the faults hit as lanes, each fault as a band from its
//! injection to its removal (or to the end of the load), bursts and the end of the load as
//! steps on the clients' lane, and the violated properties, figures and played log. Times are
//! from the start of the load.

use std::time::Duration;

use maud::html;
use saga_explorer::html::page::{Frame, Section, page};
use saga_explorer::html::timeline::{self, Times};
use saga_explorer::timeline::{Band, Chart, Step, Tone};
use time::OffsetDateTime;

use crate::report::ScenarioReport;
use crate::timeline::{Action, Timeline};

/// Where the page's clock starts.
const START: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;
const CLIENTS: &str = "clients";

/// The page of `report`, whose scenario played `timeline`.
pub fn render(report: &ScenarioReport, timeline: &Timeline) -> String {
    let end = Duration::from_secs_f64(report.load_seconds.max(0.0));
    let mut steps: Vec<Step> = timeline
        .steps
        .iter()
        .filter_map(|s| match s.action {
            Action::Burst(n) => Some(
                Step::new(CLIENTS, Some(START + s.at), format!("burst of {n} orders"))
                    .tone(Tone::Note),
            ),
            _ => None,
        })
        .collect();
    steps.push(Step::new(
        CLIENTS,
        Some(START + end),
        "load ends; faults healed",
    ));
    let mut chart = Chart::new(&[CLIENTS], &steps);
    for band in bands(timeline, end) {
        chart.add_band(band);
    }
    let verdict = if report.passed() { "passed" } else { "FAILED" };
    let title = format!("{} seed {} {verdict}", report.scenario, report.seed);
    let frame = Frame {
        title: &title,
        section: Section::Standalone,
        read_at: None,
        refresh_secs: 0,
        error: None,
        open: false,
    };
    let quiesce = report
        .quiesce_seconds
        .map_or_else(|| "never".to_owned(), |q| format!("{q:.1} s"));
    let body = html! {
        h1 { "Chaos scenario " code { (report.scenario) } ", seed " (report.seed) ": " (verdict) }
        p.mono {
            (report.attempted) " orders tried \u{b7} " (report.acknowledged) " acknowledged \u{b7} "
            (report.terminal) " terminal \u{b7} quiesced after the heal: " (quiesce)
        }
        p { "Replay: " code { "chaos run --scenario " (report.scenario) " --seed " (report.seed) } }
        @if let Some(why) = &report.unreadable { p.banner.error { "State unreadable: " (why) } }
        @if !report.violations.is_empty() {
            h2 { "Violated properties" }
            ul #violations { @for v in &report.violations { li.hl { (v) } } }
        }
        h2 { "Timeline" }
        p.muted { "Shaded bands are faults (hover for what and when), from injection to removal; the load ran " (report.load_seconds) " s." }
        @if let Some(svg) = timeline::chart(&chart, Times::SinceStart(START)) { (svg) }
        h2 { "Played" }
        ol.mono #played { @for line in &report.played { li { (line) } } }
        p.muted { "Component logs: " code { (report.logs) } }
    };
    page(&frame, body).into_string()
}

/// Each fault from the action that injects it to the one that removes it (the same backend,
/// toxic or components), or to `end` when nothing removes it.
fn bands(timeline: &Timeline, end: Duration) -> Vec<Band> {
    let steps = &timeline.steps;
    let mut bands = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        if step.action.fault().is_none() {
            continue;
        }
        let lanes: Vec<String> = match &step.action {
            Action::AddToxic { backend, .. }
            | Action::Disable(backend)
            | Action::StopBackend(backend) => vec![backend.to_string()],
            Action::Kill(components)
            | Action::Terminate {
                victims: components,
                ..
            } => components.iter().map(|c| c.name.to_owned()).collect(),
            _ => continue,
        };
        let removed = steps[i + 1..]
            .iter()
            .find(|later| removes(&step.action, &later.action))
            .map_or(end, |later| later.at);
        bands.push(Band {
            lanes,
            from: START + step.at,
            to: START + removed.max(step.at),
            label: format!("#{}", bands.len() + 1),
            detail: format!("#{} {}", bands.len() + 1, step.action),
        });
    }
    bands
}

fn removes(fault: &Action, later: &Action) -> bool {
    match (fault, later) {
        (Action::AddToxic { backend, toxic }, Action::RemoveToxic { backend: b, name }) => {
            backend == b && &toxic.name == name
        }
        (Action::Disable(a), Action::Enable(b))
        | (Action::StopBackend(a), Action::StartBackend(b)) => a == b,
        (Action::Kill(a), Action::Restart(b))
        | (Action::Terminate { victims: a, .. }, Action::Restart(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_scenario_shows_its_fault_bands_and_violations() {
        let scenario = crate::scenario::find("postgres-outage").expect("a catalogued scenario");
        let timeline = scenario.timeline(3, Duration::from_secs(20));
        let report = ScenarioReport {
            scenario: scenario.name.clone(),
            seed: 3,
            timeline: Vec::new(),
            played: vec!["+  5.00s  postgres: proxy disabled (outage)".into()],
            faults_failed: Vec::new(),
            faults_skipped: Vec::new(),
            operator_acts: Vec::new(),
            status_changes_checked: 0,
            load_seconds: 20.0,
            attempted: 10,
            acknowledged: 9,
            terminal: 8,
            quarantined: 0,
            requests: 10,
            errors: Default::default(),
            latency_p50_ms: 1.0,
            latency_p99_ms: 2.0,
            latency_max_ms: 3.0,
            self_exits: Default::default(),
            quiesce_seconds: None,
            violations: vec!["eventually_terminal: order 7 still PENDING".into()],
            unreadable: None,
            failover: None,
            audited: Vec::new(),
            tampered: false,
            logs: "/tmp/logs".into(),
        };
        let bands = bands(&timeline, Duration::from_secs(20));
        assert!(!bands.is_empty(), "{timeline}");
        assert!(bands.iter().all(|b| b.from <= b.to));
        let html = render(&report, &timeline);
        assert!(html.contains("FAILED"));
        assert!(html.contains("order 7 still PENDING"));
        assert!(html.contains("<svg"), "the chart");
        assert!(html.contains(&bands[0].detail), "the band's hover text");
        assert!(!html.contains("<script src"), "self-contained");
    }
}
