//! SIGKILL of components: each one alone — once in steady load and once just after a burst
//! was fired, so requests, transactions and deliveries are cut off halfway — and two at once.
//! Shows at-least-once delivery with idempotent effects: redelivered work is not done twice
//! and uncommitted work is not lost.

use std::time::Duration;

use saga_components::{COMPONENTS, Component};

use super::catalog::Scenario;
use super::plan::Plan;

/// Kills `victims` at `at` and restarts them 1–4 s later.
fn kill_for_a_while(plan: &mut Plan, victims: &[Component], at: Duration) {
    let down = Duration::from_millis(u64::from(plan.between(1_000, 4_000)));
    plan.kill(victims, (at, at + down));
}

/// A burst of 30–60 orders, and `victims` killed 50–400 ms into it.
fn kill_mid_burst(plan: &mut Plan, victims: &[Component]) {
    let burst = plan.point(0.5, 0.6);
    let orders = plan.between(30, 60);
    plan.at(burst, crate::timeline::Action::Burst(orders));
    let into = Duration::from_millis(u64::from(plan.between(50, 400)));
    kill_for_a_while(plan, victims, burst + into);
}

/// Two different components.
fn two(plan: &mut Plan) -> [Component; 2] {
    let first = plan.pick(COMPONENTS);
    let others: Vec<Component> = COMPONENTS.iter().copied().filter(|c| *c != first).collect();
    [first, plan.pick(&others)]
}

/// `kill-<component>` for each component, and `kill-two-at-once`.
pub fn scenarios() -> Vec<Scenario> {
    let mut all: Vec<Scenario> = COMPONENTS
        .iter()
        .map(|&victim| {
            Scenario::new(
                format!("kill-{}", victim.name),
                format!(
                    "SIGKILL {} in steady load, restart; again mid-burst",
                    victim.name
                ),
                move |plan: &mut Plan| {
                    let at = plan.point(0.15, 0.3);
                    kill_for_a_while(plan, &[victim], at);
                    kill_mid_burst(plan, &[victim]);
                },
            )
        })
        .collect();
    all.push(Scenario::new(
        "kill-two-at-once",
        "SIGKILL two seeded components at the same instant, twice (once mid-burst)",
        |plan: &mut Plan| {
            let pair = two(plan);
            let at = plan.point(0.15, 0.3);
            kill_for_a_while(plan, &pair, at);
            let pair = two(plan);
            kill_mid_burst(plan, &pair);
        },
    ));
    all
}
