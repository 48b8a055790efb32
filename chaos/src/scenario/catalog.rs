//! Every scenario by name, in a fixed order, with a line saying what it shows.

use std::sync::Arc;
use std::time::Duration;

use super::plan::Plan;
use crate::timeline::Timeline;

type Build = Arc<dyn Fn(&mut Plan) + Send + Sync>;

/// A named, seeded fault schedule.
#[derive(Clone)]
pub struct Scenario {
    pub name: String,
    /// What it shows, in one line.
    pub about: String,
    build: Build,
}

impl Scenario {
    pub fn new(
        name: impl Into<String>,
        about: impl Into<String>,
        build: impl Fn(&mut Plan) + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            about: about.into(),
            build: Arc::new(build),
        }
    }

    /// The timeline for `seed` over `duration` of load: the same arguments always give the
    /// same timeline.
    pub fn timeline(&self, seed: u64, duration: Duration) -> Timeline {
        let mut plan = Plan::new(seed, &self.name, duration);
        (self.build)(&mut plan);
        plan.finish()
    }
}

/// All scenarios: toxics per backend, outages, kills, backend restarts, the storm.
pub fn catalog() -> Vec<Scenario> {
    let mut all = super::toxics::scenarios();
    all.extend(super::outage::scenarios());
    all.extend(super::kill::scenarios());
    all.extend(super::restart::scenarios());
    all.extend(super::storm::scenarios());
    all
}

/// The scenario called `name`.
pub fn find(name: &str) -> Option<Scenario> {
    catalog().into_iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::FaultKind;

    #[test]
    fn names_are_unique_and_every_fault_kind_is_used() {
        let all = catalog();
        let mut names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len());
        let used: std::collections::BTreeSet<FaultKind> = all
            .iter()
            .flat_map(|s| s.timeline(1, Duration::from_secs(20)).faults())
            .collect();
        assert_eq!(used.into_iter().collect::<Vec<_>>(), FaultKind::ALL);
    }

    #[test]
    fn the_same_seed_gives_the_same_timeline_and_another_seed_another() {
        let d = Duration::from_secs(20);
        for scenario in catalog() {
            let once = scenario.timeline(7, d);
            assert_eq!(once, scenario.timeline(7, d), "{}", scenario.name);
            assert!(!once.steps.is_empty(), "{} does nothing", scenario.name);
            assert!(once.steps.iter().all(|s| s.at < d), "{}", scenario.name);
        }
        let storm = find("storm").unwrap();
        assert_ne!(storm.timeline(1, d), storm.timeline(2, d));
    }
}
