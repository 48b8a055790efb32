//! Drawing a schedule from a seed. Each fault class gets its own per-seed intensity (sometimes
//! none), so different seeds stress different mixes; faults on one resource never overlap.

use std::collections::BTreeMap;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use saga_core::topic::CONSUMER_GROUPS;

use super::{Fault, Schedule, TimedFault};
use crate::world::{INFRA, replicas as all_replicas, service_hosts};

fn ms(rng: &mut ChaCha8Rng, lo: u64, hi: u64) -> Duration {
    Duration::from_millis(rng.random_range(lo..=hi))
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// How many faults of a class: none in some seeds, up to `max` in others.
fn count(rng: &mut ChaCha8Rng, max: u32) -> u32 {
    if rng.random_bool(0.2) {
        0
    } else {
        rng.random_range(1..=max)
    }
}

/// The links of this topology: the saga's, and each replica's copy of its primary's.
fn links(replicas: &[&'static str]) -> Vec<(&'static str, &'static str)> {
    let saga = crate::world::links();
    let mut links = saga.to_vec();
    for &(primary, replica) in all_replicas().iter().filter(|(_, r)| replicas.contains(r)) {
        for &(a, b) in saga {
            if a == primary {
                links.push((replica, b));
            } else if b == primary {
                links.push((a, replica));
            }
        }
    }
    links
}

fn link(
    rng: &mut ChaCha8Rng,
    links: &[(&'static str, &'static str)],
) -> (&'static str, &'static str) {
    let (a, b) = pick(rng, links);
    if rng.random_bool(0.5) { (a, b) } else { (b, a) }
}

/// The schedule of `seed`.
pub fn generate(seed: u64) -> Schedule {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00fa_0175_c8ed_0001);
    let heal_at = ms(&mut rng, 6_000, 9_000);
    let replicas: Vec<&'static str> = all_replicas()
        .iter()
        .filter(|_| rng.random_bool(0.25))
        .map(|&(_, replica)| replica)
        .collect();
    let links = links(&replicas);
    let mut services = service_hosts().to_vec();
    services.extend(&replicas);
    let mut drawn: Vec<Fault> = Vec::new();
    for _ in 0..count(&mut rng, 5) {
        let host = if rng.random_bool(0.7) {
            pick(&mut rng, &services)
        } else {
            pick(&mut rng, &INFRA)
        };
        drawn.push(Fault::Crash {
            host,
            down: ms(&mut rng, 100, 2_500),
        });
    }
    for _ in 0..count(&mut rng, 3) {
        let (a, b) = link(&mut rng, &links);
        drawn.push(Fault::Partition {
            a,
            b,
            lasts: ms(&mut rng, 300, 3_000),
        });
    }
    for _ in 0..count(&mut rng, 2) {
        let (from, to) = link(&mut rng, &links);
        drawn.push(Fault::PartitionOneWay {
            from,
            to,
            lasts: ms(&mut rng, 300, 2_500),
        });
    }
    for _ in 0..count(&mut rng, 2) {
        let (a, b) = link(&mut rng, &links);
        drawn.push(Fault::Hold {
            a,
            b,
            lasts: ms(&mut rng, 100, 1_500),
        });
    }
    for _ in 0..count(&mut rng, 3) {
        let (a, b) = link(&mut rng, &links);
        let latency = ms(&mut rng, 50, 900);
        drawn.push(Fault::LatencySpike {
            a,
            b,
            latency,
            lasts: ms(&mut rng, 300, 3_000),
        });
    }
    for _ in 0..count(&mut rng, 3) {
        let (group, _) = pick(&mut rng, &CONSUMER_GROUPS);
        drawn.push(Fault::Rebalance { group });
    }
    for _ in 0..count(&mut rng, 2) {
        drawn.push(Fault::DuplicateAppends {
            lasts: ms(&mut rng, 300, 2_000),
        });
    }
    for _ in 0..count(&mut rng, 3) {
        let host = pick(&mut rng, &INFRA);
        let rate = rng.random_range(0.1..0.5);
        drawn.push(Fault::AmbiguousCommits {
            host,
            rate,
            lasts: ms(&mut rng, 300, 2_000),
        });
    }
    for _ in 0..count(&mut rng, 2) {
        let topic = pick(
            &mut rng,
            &[saga_core::Topic::Orders, saga_core::Topic::Payments],
        );
        drawn.push(Fault::Poison { topic });
    }
    let mut schedule = place(&mut rng, drawn, heal_at);
    schedule.replicas = replicas;
    schedule
}

/// Gives each fault a start time; a fault whose resource is still busy is dropped.
fn place(rng: &mut ChaCha8Rng, drawn: Vec<Fault>, heal_at: Duration) -> Schedule {
    let mut timed: Vec<TimedFault> = drawn
        .into_iter()
        .map(|fault| TimedFault {
            id: 0,
            at: ms(rng, 200, heal_at.as_millis() as u64 - 200),
            fault,
        })
        .collect();
    timed.sort_by_key(|t| t.at);
    let mut busy_until: BTreeMap<String, Duration> = BTreeMap::new();
    timed.retain(|t| {
        let resource = t.fault.resource();
        let free = busy_until.get(&resource).is_none_or(|until| *until <= t.at);
        if free {
            let ends = t.at + t.fault.lasts().unwrap_or(Duration::from_millis(1));
            busy_until.insert(resource, ends);
        }
        free
    });
    for (id, t) in timed.iter_mut().enumerate() {
        t.id = id;
    }
    Schedule {
        replicas: Vec::new(),
        faults: timed,
        heal_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_schedule_and_seeds_differ() {
        assert_eq!(generate(7), generate(7));
        assert_ne!(generate(7), generate(8));
    }

    #[test]
    fn no_two_faults_share_a_resource_at_once() {
        for seed in 0..200 {
            let s = generate(seed);
            for (i, a) in s.faults.iter().enumerate() {
                for b in &s.faults[i + 1..] {
                    if a.fault.resource() == b.fault.resource() {
                        let a_end = a.at + a.fault.lasts().unwrap_or_default();
                        assert!(b.at >= a_end, "seed {seed}: {a:?} overlaps {b:?}");
                    }
                }
            }
        }
    }
}
