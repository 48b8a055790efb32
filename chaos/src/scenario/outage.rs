//! A full outage of one backend: its proxy disabled for several seconds (connections refused,
//! open ones closed). Shows start-up-style reconnection in the middle of work: nothing is
//! lost, and every consumer and pool comes back without a restart.

use super::catalog::Scenario;
use super::plan::Plan;
use crate::stack::Backend;

/// `<backend>-outage` for each backend.
pub fn scenarios() -> Vec<Scenario> {
    Backend::ALL
        .into_iter()
        .map(|backend| {
            Scenario::new(
                format!("{backend}-outage"),
                format!("{backend}: proxy disabled for 3–8 s under load"),
                move |plan: &mut Plan| {
                    let window = plan.window(3_000, 8_000);
                    plan.outage(backend, window);
                },
            )
        })
        .collect()
}
