//! Clock faults: a service host's wall clock stepped ahead or behind (from the start of the
//! run, an offset; later, a jump) or running fast or slow, then set right. Only what the host
//! reads through its clock port moves (`world::HostClock`): its timers keep simulated time.
//! Drawn from a stream of their own, after everything else, so a seed's other faults fall
//! where they fell before these classes existed, in every mix.

use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use turmoil::Sim;

use super::{ClockSkew, Fault, TimedFault};
use crate::observe::Signal;
use crate::world::World;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// How far a jump goes: within the services' own timeouts; across the reconciler's and the
/// outbox retention's windows (seconds); across the idempotency-key window (a day or two: a
/// host on the wrong time zone); or past the processed-events window too (weeks: a host
/// booted with a wrong clock).
fn jump_ms(rng: &mut ChaCha8Rng) -> i64 {
    let size = match rng.random_range(0..4) {
        0 => rng.random_range(200..=3_000),
        1 => rng.random_range(8_000..=120_000),
        2 => rng.random_range(DAY_MS..=2 * DAY_MS),
        _ => rng.random_range(9 * DAY_MS..=30 * DAY_MS),
    };
    if rng.random_bool(0.5) { size } else { -size }
}

fn skew(rng: &mut ChaCha8Rng) -> ClockSkew {
    if rng.random_bool(0.6) {
        ClockSkew::Jump { ms: jump_ms(rng) }
    } else {
        let per_mille = rng.random_range(20..=500);
        ClockSkew::Drift {
            per_mille: if rng.random_bool(0.5) {
                per_mille
            } else {
                -per_mille
            },
        }
    }
}

/// The clock faults of `seed`: none in a third of the seeds, else one or two hosts of
/// `services`, each skewed from the start of the run (an offset) or from a moment in it, for
/// a while or until the load ends.
pub fn draw(seed: u64, load_for: Duration, services: &[&'static str]) -> Vec<TimedFault> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00fa_0175_c8ed_0004);
    let load_ms = load_for.as_millis() as u64;
    let faults = super::generate::count_with(&mut rng, 1.0 / 3.0, 2);
    (0..faults)
        .map(|_| {
            let host = services[rng.random_range(0..services.len())];
            let at = if rng.random_bool(0.3) {
                0
            } else {
                rng.random_range(200..load_ms / 2)
            };
            let lasts = if rng.random_bool(0.5) {
                load_ms - at
            } else {
                rng.random_range(1_000..=(load_ms - at).max(1_000))
            };
            TimedFault {
                id: 0,
                at: Duration::from_millis(at),
                fault: Fault::ClockSkew {
                    host,
                    skew: skew(&mut rng),
                    lasts: Duration::from_millis(lasts),
                },
            }
        })
        .collect()
}

/// Puts `host`'s clock off as `skew` says, from now.
pub fn start(sim: &Sim<'_>, world: &World, host: &'static str, skew: ClockSkew) {
    let now = sim.elapsed();
    let (jump_ms, per_mille, signal) = match skew {
        ClockSkew::Jump { ms } => (ms, 0, Signal::ClockJump),
        ClockSkew::Drift { per_mille } => (0, per_mille, Signal::ClockDrift),
    };
    world.skews.set(host, now, jump_ms, per_mille);
    world.observer.with_coverage(|c| c.add(signal));
}

/// Sets `host`'s clock right.
pub fn end(world: &World, host: &'static str) {
    world.skews.clear(host);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::{FaultClass, Mix, generate};

    #[test]
    fn clock_faults_are_drawn_on_service_hosts_within_the_load() {
        let mix = Mix::only([FaultClass::ClockJump, FaultClass::ClockDrift]);
        let (mut jumps, mut drifts, mut far) = (0, 0, 0);
        for seed in 0..40 {
            let schedule = generate(seed, &mix);
            for t in &schedule.faults {
                let Fault::ClockSkew { host, skew, lasts } = t.fault else {
                    panic!("seed {seed}: {:?}", t.fault);
                };
                assert!(crate::world::component_of(host).is_some(), "{host}");
                assert!(t.at + lasts <= schedule.heal_at, "seed {seed}: {t:?}");
                match skew {
                    ClockSkew::Jump { ms } => {
                        jumps += 1;
                        far += usize::from(ms.abs() >= DAY_MS);
                    }
                    ClockSkew::Drift { .. } => drifts += 1,
                }
            }
        }
        assert!(
            jumps >= 10 && drifts >= 5 && far >= 3,
            "{jumps} {drifts} {far}"
        );
    }
}
