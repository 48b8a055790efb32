//! Deploys under load: components stopped as an orchestrator stops them (SIGTERM, SIGKILL
//! after the grace period) and started again — the consumers while a burst is in their hands,
//! and every component in turn, a rolling restart. Shows the shutdown path: what a stopped
//! consumer commits on the way out is only what it handled, and the new process carries on.

use std::time::Duration;

use saga_components::COMPONENTS;
use saga_components::registry::{
    DELIVERY_WORKER, ORDER_STATUS_WORKER, OUTBOX_RELAY, PAYMENT_WORKER,
};

use super::catalog::Scenario;
use super::plan::Plan;
use crate::timeline::Action;

fn ms(n: u32) -> Duration {
    Duration::from_millis(u64::from(n))
}

pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario::new(
            "sigterm-mid-burst",
            "SIGTERM the relay and every worker 50–400 ms into a burst, restart 1–2 s later",
            |plan: &mut Plan| {
                let burst = plan.point(0.25, 0.35);
                let orders = plan.between(40, 80);
                plan.at(burst, Action::Burst(orders));
                let victims = vec![
                    OUTBOX_RELAY,
                    PAYMENT_WORKER,
                    ORDER_STATUS_WORKER,
                    DELIVERY_WORKER,
                ];
                let at = burst + ms(plan.between(50, 400));
                let down = ms(plan.between(1_000, 2_000));
                plan.at(
                    at,
                    Action::Terminate {
                        victims: victims.clone(),
                        rolling: false,
                    },
                );
                plan.at(at + down, Action::Restart(victims));
            },
        ),
        Scenario::new(
            "rolling-restart",
            "every component SIGTERMed and restarted in turn under load, a burst at the start",
            |plan: &mut Plan| {
                let mut at = plan.point(0.1, 0.15);
                let orders = plan.between(30, 60);
                plan.at(at, Action::Burst(orders));
                for &component in COMPONENTS {
                    at += ms(plan.between(50, 200));
                    let victims = vec![component];
                    plan.at(
                        at,
                        Action::Terminate {
                            victims: victims.clone(),
                            rolling: true,
                        },
                    );
                    at += ms(plan.between(200, 500));
                    plan.at(at, Action::Restart(victims));
                }
            },
        ),
    ]
}
