//! Deploys: a service host stopped through its shutdown — the simulation's SIGTERM — while it
//! works, and started again; and a rolling restart of every service host, one after another.
//! Drawn from a stream of their own, after everything else, so a seed's other faults fall
//! where they fell before these classes existed, in every mix.

use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use turmoil::Sim;

use super::{Fault, FaultClass, Schedule, TimedFault};
use crate::observe::{Event, Signal};
use crate::world::{Phase, World, component_of};

fn ms(rng: &mut ChaCha8Rng, lo: u64, hi: u64) -> Duration {
    Duration::from_millis(rng.random_range(lo..=hi))
}

/// The deploys of `seed`: up to three single stops, and in half the seeds a rolling restart
/// of `services` (in their order), each host started again before the next one stops.
pub fn draw(seed: u64, load_for: Duration, services: &[&'static str]) -> Vec<TimedFault> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00fa_0175_c8ed_0003);
    let latest = load_for.as_millis() as u64 - 200;
    let mut faults = Vec::new();
    let stops = if rng.random_bool(0.2) {
        0
    } else {
        rng.random_range(1..=3)
    };
    for _ in 0..stops {
        let host = services[rng.random_range(0..services.len())];
        let at = ms(&mut rng, 200, latest);
        let down = ms(&mut rng, 200, 2_000);
        faults.push((at, host, down, false));
    }
    if rng.random_bool(0.5) {
        let mut at = ms(&mut rng, 200, 1_500);
        for &host in services {
            let down = ms(&mut rng, 200, 800);
            faults.push((at, host, down, true));
            at += down + ms(&mut rng, 50, 300);
        }
    }
    faults
        .into_iter()
        .map(|(at, host, down, rolling)| TimedFault {
            id: 0,
            at,
            fault: Fault::GracefulStop {
                host,
                down,
                rolling,
            },
        })
        .collect()
}

/// Moves the heal after the last step of a rolling restart or a mixed-version deploy, so every
/// host gets its turn.
pub fn heal_after_rolling(schedule: &mut Schedule) {
    let in_turn = [FaultClass::RollingRestart, FaultClass::MixedVersions];
    let rolling = schedule
        .faults
        .iter()
        .filter(|t| in_turn.contains(&FaultClass::of(&t.fault)))
        .map(|t| t.at + t.fault.lasts().unwrap_or_default() + Duration::from_millis(200));
    if let Some(end) = rolling.max() {
        schedule.heal_at = schedule.heal_at.max(end);
    }
}

fn count(world: &World, signal: Signal) {
    world.observer.with_coverage(|c| c.add(signal));
}

/// Resolves `host`'s shutdown, if it runs; counts a stop that lands while the host still
/// starts, and one that finds its consumer group with delivered records not yet committed
/// (mid-batch; per group, so a replica's batch counts).
pub fn stop(sim: &mut Sim<'_>, world: &World, host: &'static str, kind: Signal) {
    let phase = match sim.is_host_running(host) {
        true => world.stops.request(host),
        false => None,
    };
    let Some(phase) = phase else {
        return world.emit(
            "driver",
            Event::Fault {
                action: format!("{host} is not running: nothing to stop"),
            },
        );
    };
    if phase == Phase::Starting {
        count(world, Signal::StopDuringStartUp);
    }
    count(world, kind);
    let group = component_of(host).map(|c| c.name);
    let mid_batch = group.is_some_and(|g| world.observer.with_coverage(|c| c.mid_batch(g)));
    if mid_batch {
        count(world, Signal::StopMidBatch);
    }
}

/// Starts `host` again; one still draining is killed first (its grace period ran out). One
/// still running that was stopped while starting ignored its stop: it had nothing to drain.
pub fn restart(sim: &mut Sim<'_>, world: &World, host: &'static str) {
    if sim.is_host_running(host) {
        if world.stops.stopped_in(host) == Some(Phase::Starting) {
            world.emit("driver", Event::StillStartingAfterStop { host });
        }
        world.emit(
            "driver",
            Event::Fault {
                action: format!("{host} still draining: killed before its restart"),
            },
        );
        crate::net::crash_silently(|| sim.crash(host));
    }
    sim.bounce(host);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::{Mix, generate};
    use crate::world::service_hosts;

    #[test]
    fn a_rolling_restart_stops_every_service_host_in_turn_before_the_heal() {
        let rolling = Mix::only([FaultClass::RollingRestart]);
        let mut seen = 0;
        for seed in 0..20 {
            let schedule = generate(seed, &rolling);
            if schedule.faults.is_empty() {
                continue;
            }
            seen += 1;
            let hosts: Vec<&str> = schedule
                .faults
                .iter()
                .map(|t| match t.fault {
                    Fault::GracefulStop { host, .. } => host,
                    _ => panic!("seed {seed}: {:?}", t.fault),
                })
                .collect();
            assert!(
                service_hosts().iter().all(|h| hosts.contains(h)),
                "seed {seed}"
            );
            for pair in schedule.faults.windows(2) {
                let end = pair[0].at + pair[0].fault.lasts().unwrap();
                assert!(end <= pair[1].at, "seed {seed}: {pair:?} overlap");
            }
            let last = schedule.faults.last().unwrap();
            assert!(last.at + last.fault.lasts().unwrap() < schedule.heal_at);
        }
        assert!(seen >= 5, "{seen} of 20 seeds restart");
    }
}
