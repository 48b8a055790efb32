//! Long faults, their lengths drawn from a heavy-tailed distribution (most a few tens of
//! seconds, some minutes): a backend's proxy disabled, a backend black-holed (Toxiproxy
//! `timeout` of 0 on both streams: connections stay open, nothing gets through, nothing is
//! answered), a component that stays dead. The load stops at its usual time; the heal waits
//! for the fault to end. Shows nothing gives up on transient failures however long they last,
//! and no component stays hung on a connection that stopped answering.

use std::time::Duration;

use saga_components::COMPONENTS;

use super::catalog::Scenario;
use super::plan::Plan;
use crate::stack::Backend;
use crate::timeline::Action;
use crate::toxiproxy::{Stream, Toxic, ToxicKind};

/// Shortest and longest long fault, seconds.
const MIN_S: u32 = 10;
const MAX_S: u32 = 180;

pub fn scenarios() -> Vec<Scenario> {
    let mut all = Vec::new();
    for backend in Backend::ALL {
        all.push(Scenario::new(
            format!("long-outage-{backend}"),
            format!("{backend}: proxy disabled for 10 s–3 min (heavy-tailed)"),
            move |plan: &mut Plan| {
                let length = plan.heavy_tail(MIN_S, MAX_S);
                let (from, to) = plan.long_window(length);
                plan.at(from, Action::Disable(backend));
                plan.at_any_time(to, Action::Enable(backend));
            },
        ));
        all.push(Scenario::new(
            format!("black-hole-{backend}"),
            format!("{backend}: every connection black-holed for 10 s–3 min (heavy-tailed)"),
            move |plan: &mut Plan| {
                let length = plan.heavy_tail(MIN_S, MAX_S);
                let (from, to) = plan.long_window(length);
                for (stream, name) in [
                    (Stream::Upstream, "hole-up"),
                    (Stream::Downstream, "hole-down"),
                ] {
                    let kind = ToxicKind::Timeout { timeout_ms: 0 };
                    let toxic = Toxic::new(name, kind, stream);
                    plan.at(from, Action::AddToxic { backend, toxic });
                    let name = name.to_owned();
                    plan.at_any_time(to, Action::RemoveToxic { backend, name });
                }
                // 5 s in (every black hole lasts at least 10): connections are hung by then.
                plan.at_any_time(from + Duration::from_secs(5), Action::Probe);
            },
        ));
    }
    all.push(Scenario::new(
        "long-kill",
        "a seeded component SIGKILLed and kept dead for 10 s–3 min (heavy-tailed)",
        |plan: &mut Plan| {
            let victim = plan.pick(COMPONENTS);
            let length = plan.heavy_tail(MIN_S, MAX_S);
            let (from, to) = plan.long_window(length);
            plan.at(from, Action::Kill(vec![victim]));
            plan.at_any_time(to, Action::Restart(vec![victim]));
        },
    ));
    all
}
