//! The combined storm: seeded toxics on all three backends, an outage or a backend restart,
//! SIGKILLs and a burst, overlapping. Shows the mechanisms hold together, not just one at a
//! time.

use std::time::Duration;

use saga_components::{COMPONENTS, Component};

use super::catalog::Scenario;
use super::plan::Plan;
use super::toxics::KINDS;
use crate::stack::Backend;
use crate::timeline::Action;
use crate::toxiproxy::Stream;

/// A toxic of a seeded kind on a seeded backend and stream.
fn toxic(plan: &mut Plan) {
    let backend = plan.pick(&Backend::ALL);
    let window = plan.window(1_500, 5_000);
    let (_, _, pick) = plan.pick(&KINDS);
    let toxic = pick(plan);
    let stream = plan.pick(&[Stream::Upstream, Stream::Downstream]);
    plan.toxic(backend, toxic, stream, window);
}

/// One backend unreachable: its proxy disabled, or the server itself restarted.
fn outage(plan: &mut Plan) {
    let backend = plan.pick(&Backend::ALL);
    let window = plan.window(2_000, 5_000);
    if plan.between(0, 1) == 0 {
        plan.outage(backend, window);
    } else {
        plan.restart_backend(backend, window);
    }
}

/// One component, or two at once, SIGKILLed for 0.5–3 s.
fn kill(plan: &mut Plan) {
    let first = plan.pick(COMPONENTS);
    let second = plan.pick(COMPONENTS);
    let victims: Vec<Component> = if first == second {
        vec![first]
    } else {
        vec![first, second]
    };
    let at = plan.point(0.15, 0.7);
    let down = Duration::from_millis(u64::from(plan.between(500, 3_000)));
    plan.kill(&victims, (at, at + down));
}

/// `storm`.
pub fn scenarios() -> Vec<Scenario> {
    vec![Scenario::new(
        "storm",
        "4–7 toxics, an outage or backend restart, 1–2 kills and a burst, overlapping",
        |plan: &mut Plan| {
            for _ in 0..plan.between(4, 7) {
                toxic(plan);
            }
            // One only: overlapping outages of one backend would end each other early.
            outage(plan);
            for _ in 0..plan.between(1, 2) {
                kill(plan);
            }
            let burst = plan.point(0.3, 0.6);
            let orders = plan.between(30, 60);
            plan.at(burst, Action::Burst(orders));
        },
    )]
}
