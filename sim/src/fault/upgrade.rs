//! A mixed-version deploy: the consumers start on the previous release (reading envelope
//! schema 1 only), are upgraded one after another under load (stopped gracefully, started on
//! the current release), and only once none of the previous release runs are the writers
//! switched to schema 2, each by a restart of its own. What it checks is the rule a new schema
//! rolls out by (docs/api.md, "Schemas and mixed-version deploys"): a writer that wrote the new
//! schema while an old reader ran would have that reader dead-letter valid events.
//! Drawn from a stream of its own, after everything else, so playing or leaving out this class
//! moves none of a seed's other faults, in every mix.

use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use saga_components::registry::{DELIVERY_WORKER, ORDER_API, ORDER_STATUS_WORKER, PAYMENT_WORKER};
use turmoil::Sim;

use super::{Fault, Schedule, TimedFault};
use crate::observe::Signal;
use crate::world::{World, component_of};

/// Which half of a mixed-version deploy one restart is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpgradeStep {
    /// A consumer of the previous release restarts on the current one.
    Reader,
    /// A writer restarts writing the newest schema, once no previous release runs.
    Writer,
}

const READERS: [&str; 3] = [
    PAYMENT_WORKER.name,
    ORDER_STATUS_WORKER.name,
    DELIVERY_WORKER.name,
];
const WRITERS: [&str; 4] = [
    ORDER_API.name,
    PAYMENT_WORKER.name,
    ORDER_STATUS_WORKER.name,
    DELIVERY_WORKER.name,
];

fn ms(rng: &mut ChaCha8Rng, lo: u64, hi: u64) -> Duration {
    Duration::from_millis(rng.random_range(lo..=hi))
}

fn of(services: &[&'static str], components: &[&str]) -> Vec<&'static str> {
    services
        .iter()
        .copied()
        .filter(|h| component_of(h).is_some_and(|c| components.contains(&c.name)))
        .collect()
}

/// The mixed-version deploy of `seed`, in a third of the seeds: every consumer host of
/// `services` upgraded in turn from early in the load, then every writer host switched.
pub fn draw(seed: u64, services: &[&'static str]) -> Vec<TimedFault> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00fa_0175_c8ed_0006);
    if !rng.random_bool(1.0 / 3.0) {
        return Vec::new();
    }
    let mut at = ms(&mut rng, 1_000, 2_500);
    let steps = of(services, &READERS)
        .into_iter()
        .map(|h| (h, UpgradeStep::Reader))
        .chain(
            of(services, &WRITERS)
                .into_iter()
                .map(|h| (h, UpgradeStep::Writer)),
        );
    let mut faults = Vec::new();
    for (host, step) in steps {
        let down = ms(&mut rng, 200, 800);
        faults.push(TimedFault {
            id: 0,
            at,
            fault: Fault::Upgrade { host, down, step },
        });
        at += down + ms(&mut rng, 50, 300);
    }
    faults
}

/// The hosts that start on the previous release: those a reader step upgrades. Read from the
/// schedule as played, so a step the placement (or the shrinker) left out leaves its host on
/// the current release from the start.
pub fn previous_release(schedule: &Schedule) -> impl Iterator<Item = &'static str> + '_ {
    schedule.faults.iter().filter_map(|t| match t.fault {
        Fault::Upgrade {
            host,
            step: UpgradeStep::Reader,
            ..
        } => Some(host),
        _ => None,
    })
}

fn count(world: &World, signal: Signal) {
    world.observer.with_coverage(|c| c.add(signal));
}

/// Stops `host` for its step, as a deploy does.
pub fn stop(sim: &mut Sim<'_>, world: &World, host: &'static str) {
    super::deploy::stop(sim, world, host, Signal::UpgradeStop);
}

/// Starts `host` again on its new release. The draw times every writer step after the last
/// reader step ends; a writer is still never switched while a previous release runs (a reader
/// step a crash delayed), since that is the very bug the class is there to catch.
pub fn restart(sim: &mut Sim<'_>, world: &World, host: &'static str, step: UpgradeStep) {
    match step {
        UpgradeStep::Reader => {
            world.releases.upgrade(host);
            count(world, Signal::ReaderUpgraded);
        }
        UpgradeStep::Writer => {
            if !world.releases.mixed() {
                world.releases.switch_writer(host);
                count(world, Signal::WriterSwitched);
            }
        }
    }
    super::deploy::restart(sim, world, host);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::{Mix, generate};

    #[test]
    fn every_reader_is_upgraded_before_any_writer_is_switched_and_before_the_heal() {
        let mix = Mix::only([crate::fault::FaultClass::MixedVersions]);
        let mut seen = 0;
        for seed in 0..30 {
            let schedule = generate(seed, &mix);
            let steps: Vec<(Duration, Duration, UpgradeStep)> = schedule
                .faults
                .iter()
                .map(|t| match t.fault {
                    Fault::Upgrade { down, step, .. } => (t.at, t.at + down, step),
                    _ => panic!("seed {seed}: {:?}", t.fault),
                })
                .collect();
            if steps.is_empty() {
                continue;
            }
            seen += 1;
            let readers_done = steps
                .iter()
                .filter(|s| s.2 == UpgradeStep::Reader)
                .map(|s| s.1)
                .max()
                .expect("a deploy upgrades readers");
            let writers = steps.iter().filter(|s| s.2 == UpgradeStep::Writer);
            assert!(writers.clone().count() >= 4, "seed {seed}");
            assert!(writers.clone().all(|w| w.0 >= readers_done), "seed {seed}");
            let last = steps.iter().map(|s| s.1).max().unwrap();
            assert!(last < schedule.heal_at, "seed {seed}");
            assert_eq!(
                previous_release(&schedule).count(),
                steps.iter().filter(|s| s.2 == UpgradeStep::Reader).count()
            );
        }
        assert!((5..=20).contains(&seen), "{seen} of 30 seeds deploy");
    }
}
