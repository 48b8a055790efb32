//! The combined storm: 6–10 seeded faults of every kind — toxics, outages, kills, a backend
//! restart — overlapping across all three backends and the components. Shows the mechanisms
//! hold together, not just one at a time.

use std::time::Duration;

use saga::real::Component;

use super::catalog::Scenario;
use super::plan::Plan;
use super::toxics::KINDS;
use crate::stack::Backend;
use crate::timeline::Action;
use crate::toxiproxy::Stream;

fn one_fault(plan: &mut Plan, outaged: &mut Vec<Backend>) {
    let backend = plan.pick(&Backend::ALL);
    let window = plan.window(1_500, 5_000);
    let choice = plan.between(0, 7) as usize;
    if let Some((_, _, pick)) = KINDS.get(choice) {
        let toxic = pick(plan);
        let stream = plan.pick(&[Stream::Upstream, Stream::Downstream]);
        plan.toxic(backend, toxic, stream, window);
    } else if choice == KINDS.len() && !outaged.contains(&backend) {
        // One outage or restart per backend: overlapping ones would end each other early.
        outaged.push(backend);
        if plan.between(0, 1) == 0 {
            plan.outage(backend, window);
        } else {
            plan.restart_backend(backend, window);
        }
    } else {
        let victim = plan.pick(&Component::ALL);
        let down = Duration::from_millis(u64::from(plan.between(500, 3_000)));
        plan.kill(&[victim], (window.0, window.0 + down));
    }
}

/// `storm`.
pub fn scenarios() -> Vec<Scenario> {
    vec![Scenario::new(
        "storm",
        "6–10 overlapping seeded faults of every kind across backends and components",
        |plan: &mut Plan| {
            let mut outaged = Vec::new();
            for _ in 0..plan.between(6, 10) {
                one_fault(plan, &mut outaged);
            }
            let burst = plan.point(0.3, 0.6);
            let orders = plan.between(30, 60);
            plan.at(burst, Action::Burst(orders));
        },
    )]
}
