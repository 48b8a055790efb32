//! A run as a self-contained HTML page (`replay --html`, `shrink --html`), drawn with the
//! explorer's timeline view: the hosts as lanes, each fault as a band over the hosts it hits,
//! the steps of the orders a property names (highlighted), every order's steps one click away,
//! and the violated properties. Times are simulated, from the start of the run.

use crate::mutants::MutantName;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use maud::{Markup, html};
use saga_core::{OrderId, OrderStatus};
use saga_explorer::html::page::{Frame, Section, page};
use saga_explorer::html::timeline::{self, Times};
use saga_explorer::timeline::{Band, Chart, Step, Tone};

use crate::fault::{Fault, Schedule, Unprocessable};
use crate::observe::{Event, TraceLine};
use crate::report::RunReport;
use crate::report::related;
use crate::world::{CLIENTS, EPOCH, KAFKA, POSTGRES, REDIS};

/// Orders whose steps are drawn on the chart at most (the rest are listed below it).
const CHARTED: usize = 12;

/// The page of `report`; its trace must have been kept (failing runs always keep it).
pub fn render(report: &RunReport) -> String {
    let offending = offending(report);
    let statuses = final_statuses(&report.trace);
    let mut lanes = vec![CLIENTS];
    lanes.extend(report.schedule.hosts());
    let charted: Vec<OrderId> = offending.iter().copied().take(CHARTED).collect();
    let steps: Vec<Step> = charted
        .iter()
        .flat_map(|order| order_steps(*order, &report.trace))
        .collect();
    let mut chart = Chart::new(&lanes, &steps);
    chart.highlighted = charted.iter().map(|o| o.get()).collect();
    for band in bands(&report.schedule) {
        chart.add_band(band);
    }
    let verdict = if report.passed() { "passed" } else { "FAILED" };
    let title = format!("seed {} {verdict}", report.options.seed);
    let frame = Frame {
        title: &title,
        section: Section::Standalone,
        read_at: None,
        refresh_secs: 0,
        error: None,
        open: false,
    };
    let times = Times::SinceStart(EPOCH);
    let body = html! {
        h1 { "Simulation seed " (report.options.seed) ": " (verdict) }
        p.mono {
            @if let Some(mutant) = report.options.mutant { "mutant " (mutant.name()) " \u{00b7} " }
            (report.acknowledged) " orders acknowledged \u{00b7} " (format!("{:.1}", report.sim_time.as_secs_f64())) " s simulated \u{00b7} trace hash " (format!("{:016x}", report.hash))
        }
        p { "Replay: " code { (report.replay_command()) } }
        @if let Some(failure) = &report.failure { p.banner.error { (failure) } }
        (violations(report))
        h2 { "Timeline" }
        p.muted { "Hosts as lanes; shaded bands are faults (hover for what and when); dots are the steps of the orders the properties name, in red. Heal at " (secs(report.schedule.heal_at)) "." }
        @if let Some(svg) = timeline::chart(&chart, times) { (svg) }
        (schedule(&report.schedule))
        h2 { "Orders" }
        p.muted { (statuses.len()) " orders; those a property names are open and highlighted." }
        @for (order, status) in &statuses {
            @let hl = offending.contains(order);
            details #{ "order-" (order) } open[hl && charted.contains(order)] {
                summary {
                    "Order " (order) " "
                    span class={ "status " (status.as_str()) } { (status.as_str()) }
                    @if hl { " " span.flag { "named by a violated property" } }
                }
                (timeline::steps(&order_steps(*order, &report.trace), times))
            }
        }
    };
    page(&frame, body).into_string()
}

/// Orders the violations name, in the order they are named.
fn offending(report: &RunReport) -> Vec<OrderId> {
    let mut seen = BTreeSet::new();
    report
        .violations
        .iter()
        .filter_map(|v| v.order_id)
        .filter(|o| seen.insert(*o))
        .collect()
}

fn violations(report: &RunReport) -> Markup {
    html! {
        @if !report.violations.is_empty() {
            h2 { "Violated properties" }
            table #violations {
                thead { tr { th { "Property" } th { "Order" } th { "Detail" } } }
                tbody {
                    @for v in &report.violations {
                        tr.hl {
                            td.mono { (v.property.name()) }
                            td { @if let Some(o) = v.order_id { a href={ "#order-" (o) } { (o) } } }
                            td { (v.detail) }
                        }
                    }
                }
            }
        }
    }
}

fn schedule(schedule: &Schedule) -> Markup {
    html! {
        h2 { "Fault schedule" }
        @if !schedule.replicas.is_empty() { p { "Second instances: " (schedule.replicas.join(", ")) } }
        table #faults {
            thead { tr { th.num { "#" } th.num { "At" } th { "Fault" } } }
            tbody {
                @for t in &schedule.faults {
                    tr { td.num { (t.id) } td.num { (secs(t.at)) } td { (t.fault) } }
                }
            }
        }
    }
}

/// Each fault as a band over the hosts it hits, from its start to its end (or the heal).
fn bands(schedule: &Schedule) -> Vec<Band> {
    schedule
        .faults
        .iter()
        .map(|t| {
            let lanes: Vec<&str> = match &t.fault {
                Fault::Crash { host, .. }
                | Fault::PowerLoss { host, .. }
                | Fault::BlackHole { host, .. }
                | Fault::AmbiguousCommits { host, .. }
                | Fault::DiskLoss { host, .. }
                | Fault::GracefulStop { host, .. }
                | Fault::Upgrade { host, .. }
                | Fault::ClockSkew { host, .. } => vec![host],
                Fault::Unprocessable {
                    what: Unprocessable::Decision,
                } => vec![REDIS],
                Fault::Unprocessable {
                    what: Unprocessable::Payment,
                } => vec![POSTGRES],
                Fault::Partition { a, b, .. }
                | Fault::Hold { a, b, .. }
                | Fault::LatencySpike { a, b, .. } => vec![a, b],
                Fault::PartitionOneWay { from, to, .. } => vec![from, to],
                Fault::Rebalance { .. }
                | Fault::DuplicateAppends { .. }
                | Fault::Poison { .. }
                | Fault::Forge { .. }
                | Fault::UncleanElection { .. } => vec![KAFKA],
                Fault::Operate { .. } => vec![KAFKA, POSTGRES],
            };
            let lasts = t.fault.lasts().unwrap_or(Duration::ZERO);
            let end = (t.at + lasts).min(schedule.heal_at.max(t.at));
            Band {
                lanes: lanes.into_iter().map(str::to_owned).collect(),
                from: EPOCH + t.at,
                to: EPOCH + end,
                label: format!("#{}", t.id),
                detail: format!("#{} {}", t.id, t.fault),
            }
        })
        .collect()
}

/// Every order the trace created, with the status it ended in.
fn final_statuses(trace: &[TraceLine]) -> BTreeMap<OrderId, OrderStatus> {
    let mut statuses = BTreeMap::new();
    for line in trace {
        match &line.event {
            Event::OrderCreated { order, .. } => {
                statuses.entry(*order).or_insert(OrderStatus::Pending);
            }
            Event::StatusChanged { order, to, .. } => {
                statuses.insert(*order, *to);
            }
            _ => {}
        }
    }
    statuses
}

/// The steps of one order: every trace line about it, on the lane of the host that reported it.
fn order_steps(order: OrderId, trace: &[TraceLine]) -> Vec<Step> {
    related(order, trace)
        .into_iter()
        .map(|line| {
            let (title, tone) = describe(&line.event);
            let at = EPOCH + Duration::from_micros(line.at_us);
            Step::new(line.host, Some(at), title)
                .detail(format!("{:?}", line.event))
                .tone(tone)
                .order(order.get())
        })
        .collect()
}

fn describe(event: &Event) -> (String, Tone) {
    match event {
        Event::Acknowledged { replayed, .. } => match replayed {
            true => ("Acknowledged (idempotent replay)".into(), Tone::Note),
            false => ("Acknowledged 202".into(), Tone::Done),
        },
        Event::OrderCreated { outbox: true, .. } => {
            ("Order and outbox row committed".into(), Tone::Done)
        }
        Event::OrderCreated { outbox: false, .. } => {
            ("Order committed without its outbox row".into(), Tone::Bad)
        }
        Event::OrderReplayed { .. } => ("Existing order returned for its key".into(), Tone::Note),
        Event::OutboxRowWritten { .. } => ("Outbox row written on its own".into(), Tone::Note),
        Event::Appended {
            topic,
            duplicate,
            decision,
            ..
        } => {
            let what = decision.map_or("", |d| d.as_str());
            match duplicate {
                true => (
                    format!("Appended to {topic} again (duplicate) {what}"),
                    Tone::Note,
                ),
                false => (format!("Appended to {topic} {what}"), Tone::Done),
            }
        }
        Event::Delivered { group, .. } => (format!("Delivered to {group}"), Tone::Done),
        Event::Committed { group, .. } => (format!("Committed by {group}"), Tone::Done),
        Event::Decided {
            decision, proposal, ..
        } => match decision == proposal {
            true => (format!("Decision {} stored", decision.as_str()), Tone::Done),
            false => (
                format!("Stored decision {} returned", decision.as_str()),
                Tone::Note,
            ),
        },
        Event::PaymentApplied { outcome, .. } => {
            (format!("Payment applied: {outcome}"), Tone::Done)
        }
        Event::StatusChanged { from, to, .. } => {
            (format!("Status {from} \u{2192} {to}"), Tone::Done)
        }
        Event::DeliveryAssigned { new: true, .. } => ("Delivery assigned".into(), Tone::Done),
        Event::DeliveryAssigned { new: false, .. } => {
            ("Delivery already assigned".into(), Tone::Note)
        }
        Event::ReadBack { outcome, .. } => (format!("Read back: {outcome}"), Tone::Note),
        other => (format!("{other:?}"), Tone::Note),
    }
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}
