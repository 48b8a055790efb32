//! Drawing a schedule from a seed. Each fault class gets its own per-seed intensity (sometimes
//! none), so different seeds stress different mixes; faults on one resource never overlap.
//! Durations are short (most under three seconds), except that some seeds add one long fault —
//! a host that stays dead, a partition, a black-holed backend — whose length has a heavy tail
//! reaching minutes of simulated time; the heal waits for it.

use std::collections::BTreeMap;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use saga_core::topic::CONSUMER_GROUPS;

use super::{Fault, FaultClass, Forgery, Mix, PoisonSize, Schedule, TimedFault, Unprocessable};
use crate::world::{INFRA, replicas as all_replicas, service_hosts};

fn ms(rng: &mut ChaCha8Rng, lo: u64, hi: u64) -> Duration {
    Duration::from_millis(rng.random_range(lo..=hi))
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// How many faults of a class: none in some seeds, up to `max` in others.
fn count(rng: &mut ChaCha8Rng, max: u32) -> u32 {
    count_with(rng, 0.2, max)
}

/// How many faults of a class: none in a share `none` of the seeds, else one to `max`.
pub(super) fn count_with(rng: &mut ChaCha8Rng, none: f64, max: u32) -> u32 {
    if rng.random_bool(none) {
        0
    } else {
        rng.random_range(1..=max)
    }
}

/// Whether a rarer class happens in this seed at all.
fn maybe(rng: &mut ChaCha8Rng, p: f64) -> u32 {
    u32::from(rng.random_bool(p))
}

/// Share of seeds with one long fault.
const LONG_SEEDS: f64 = 0.2;
/// The long fault's length: Pareto with this minimum and shape 1 (so half of them last over
/// twice the minimum, one in twelve over a minute), cut at [`LONGEST`].
const LONG_MIN: Duration = Duration::from_secs(5);
const LONGEST: Duration = Duration::from_secs(240);

/// A heavy-tailed duration: `LONG_MIN / u` for `u` uniform in (0, 1], at most `LONGEST`.
fn long_duration(rng: &mut ChaCha8Rng) -> Duration {
    let floor = LONG_MIN.as_secs_f64() / LONGEST.as_secs_f64();
    let u: f64 = rng.random_range(floor..=1.0);
    Duration::from_millis((LONG_MIN.as_secs_f64() / u * 1000.0) as u64).min(LONGEST)
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

/// The schedule of `seed` with the faults of `mix`.
pub fn generate(seed: u64, mix: &Mix) -> Schedule {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00fa_0175_c8ed_0001);
    let load_for = ms(&mut rng, 6_000, 9_000);
    let replicas: Vec<&'static str> = all_replicas()
        .iter()
        .filter(|_| rng.random_bool(0.25))
        .map(|&(_, replica)| replica)
        .collect();
    let links = links(&replicas);
    let mut services = service_hosts().to_vec();
    services.extend(&replicas);
    let mut drawn = Vec::new();
    crashes(&mut rng, &services, &mut drawn);
    network(&mut rng, &links, &mut drawn);
    broker(&mut rng, &mut drawn);
    bad_data(&mut rng, &mut drawn);
    let long = rng
        .random_bool(LONG_SEEDS)
        .then(|| long_fault(&mut rng, &services, &links));
    let mut drawn_apart = lossy_broker(seed, load_for);
    drawn_apart.extend(super::deploy::draw(seed, load_for, &services));
    drawn_apart.extend(super::clock::draw(seed, load_for, &services));
    drawn_apart.extend(super::operator::draw(seed, load_for));
    drawn_apart.extend(super::upgrade::draw(seed, &services));
    let mut schedule = place(&mut rng, drawn, long, drawn_apart, load_for, mix);
    super::deploy::heal_after_rolling(&mut schedule);
    schedule.replicas = replicas;
    schedule
}

/// The classes a replicated deployment rules out (`RULED_OUT_BY_REPLICATION`), timed. Drawn
/// from a stream of their own, after everything else, so the seeds' other faults fall where
/// they fell before these classes existed, in every mix.
fn lossy_broker(seed: u64, load_for: Duration) -> Vec<TimedFault> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00fa_0175_c8ed_0002);
    let latest = load_for.as_millis() as u64 - 200;
    let mut faults = Vec::new();
    for _ in 0..count(&mut rng, 2) {
        let fault = Fault::UncleanElection {
            topic: pick(
                &mut rng,
                &[saga_core::Topic::Orders, saga_core::Topic::Payments],
            ),
            partition: rng.random_range(0..3),
            records: rng.random_range(1..=12),
        };
        faults.push((ms(&mut rng, 200, latest), fault));
    }
    for _ in 0..maybe(&mut rng, 0.5) {
        let fault = Fault::DiskLoss {
            host: crate::world::KAFKA,
            down: ms(&mut rng, 100, 2_500),
        };
        faults.push((ms(&mut rng, 200, latest), fault));
    }
    faults
        .into_iter()
        .map(|(at, fault)| TimedFault { id: 0, at, fault })
        .collect()
}

/// Crashes of services and backends, power losses, black holes.
fn crashes(rng: &mut ChaCha8Rng, services: &[&'static str], drawn: &mut Vec<Fault>) {
    for _ in 0..count(rng, 5) {
        let host = if rng.random_bool(0.7) {
            pick(rng, services)
        } else {
            pick(rng, &INFRA)
        };
        drawn.push(Fault::Crash {
            host,
            down: ms(rng, 100, 2_500),
        });
    }
    for _ in 0..count(rng, 2) {
        drawn.push(Fault::PowerLoss {
            host: pick(rng, &INFRA),
            down: ms(rng, 100, 2_500),
            unflushed: ms(rng, 100, 3_000),
        });
    }
    for _ in 0..count(rng, 2) {
        drawn.push(Fault::BlackHole {
            host: pick(rng, &INFRA),
            lasts: ms(rng, 300, 3_000),
        });
    }
}

/// Partitions, holds and latency spikes on the saga's links.
fn network(rng: &mut ChaCha8Rng, links: &[(&'static str, &'static str)], drawn: &mut Vec<Fault>) {
    for _ in 0..count(rng, 3) {
        let (a, b) = link(rng, links);
        drawn.push(Fault::Partition {
            a,
            b,
            lasts: ms(rng, 300, 3_000),
        });
    }
    for _ in 0..count(rng, 2) {
        let (from, to) = link(rng, links);
        drawn.push(Fault::PartitionOneWay {
            from,
            to,
            lasts: ms(rng, 300, 2_500),
        });
    }
    for _ in 0..count(rng, 2) {
        let (a, b) = link(rng, links);
        drawn.push(Fault::Hold {
            a,
            b,
            lasts: ms(rng, 100, 1_500),
        });
    }
    for _ in 0..count(rng, 3) {
        let (a, b) = link(rng, links);
        let latency = ms(rng, 50, 900);
        drawn.push(Fault::LatencySpike {
            a,
            b,
            latency,
            lasts: ms(rng, 300, 3_000),
        });
    }
}

/// Rebalances, duplicate appends, ambiguous commits.
fn broker(rng: &mut ChaCha8Rng, drawn: &mut Vec<Fault>) {
    for _ in 0..count(rng, 3) {
        let (group, _) = pick(rng, &CONSUMER_GROUPS);
        drawn.push(Fault::Rebalance { group });
    }
    for _ in 0..count(rng, 2) {
        drawn.push(Fault::DuplicateAppends {
            lasts: ms(rng, 300, 2_000),
        });
    }
    for _ in 0..count(rng, 3) {
        let host = pick(rng, &INFRA);
        let rate = rng.random_range(0.1..0.5);
        drawn.push(Fault::AmbiguousCommits {
            host,
            rate,
            lasts: ms(rng, 300, 2_000),
        });
    }
}

/// Poison records, permanently unprocessable orders, forged payment events.
fn bad_data(rng: &mut ChaCha8Rng, drawn: &mut Vec<Fault>) {
    for _ in 0..count(rng, 2) {
        let topic = pick(rng, &[saga_core::Topic::Orders, saga_core::Topic::Payments]);
        let size = pick(rng, &[PoisonSize::Small, PoisonSize::Oversized]);
        drawn.push(Fault::Poison { topic, size });
    }
    for _ in 0..maybe(rng, 0.3) {
        let what = pick(rng, &[Unprocessable::Decision, Unprocessable::Payment]);
        drawn.push(Fault::Unprocessable { what });
    }
    for _ in 0..count(rng, 3) {
        drawn.push(Fault::Forge {
            forgery: pick(rng, &Forgery::ALL),
        });
    }
}

/// One fault with a heavy-tailed length: a service or backend that stays dead, a partition,
/// or a black-holed backend.
fn long_fault(
    rng: &mut ChaCha8Rng,
    services: &[&'static str],
    links: &[(&'static str, &'static str)],
) -> Fault {
    let lasts = long_duration(rng);
    match rng.random_range(0..4) {
        0 => Fault::Crash {
            host: pick(rng, services),
            down: lasts,
        },
        1 => Fault::Crash {
            host: pick(rng, &INFRA),
            down: lasts,
        },
        2 => {
            let (a, b) = link(rng, links);
            Fault::Partition { a, b, lasts }
        }
        _ => Fault::BlackHole {
            host: pick(rng, &INFRA),
            lasts,
        },
    }
}

/// Gives each fault a start time within the load phase (`timed_already` have theirs); a fault
/// whose resource is still busy is dropped. The long fault goes first, so nothing displaces it; the heal waits for it.
fn place(
    rng: &mut ChaCha8Rng,
    drawn: Vec<Fault>,
    long: Option<Fault>,
    timed_already: Vec<TimedFault>,
    load_for: Duration,
    mix: &Mix,
) -> Schedule {
    let latest = load_for.as_millis() as u64 - 200;
    let mut timed: Vec<TimedFault> = drawn
        .into_iter()
        .map(|fault| TimedFault {
            id: 0,
            at: ms(rng, 200, latest),
            fault,
        })
        .collect();
    timed.extend(timed_already);
    timed.sort_by_key(|t| t.at);
    timed.retain(|t| mix.contains(FaultClass::of(&t.fault)));
    let mut heal_at = load_for;
    if let Some(fault) = long {
        let at = ms(rng, 200, latest);
        if mix.contains(FaultClass::LongFault) {
            let end = at + fault.lasts().unwrap_or_default();
            heal_at = heal_at.max(end + Duration::from_millis(200));
            timed.insert(0, TimedFault { id: 0, at, fault });
        }
    }
    let mut busy: BTreeMap<String, Vec<(Duration, Duration)>> = BTreeMap::new();
    timed.retain(|t| {
        let start = t.at;
        let end = t.at + t.fault.lasts().unwrap_or(Duration::from_millis(1));
        let taken = busy.entry(t.fault.resource()).or_default();
        let free = taken.iter().all(|&(s, e)| end <= s || start >= e);
        if free {
            taken.push((start, end));
        }
        free
    });
    timed.sort_by_key(|t| t.at);
    for (id, t) in timed.iter_mut().enumerate() {
        t.id = id;
    }
    Schedule {
        replicas: Vec::new(),
        faults: timed,
        load_for,
        heal_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_schedule_and_seeds_differ() {
        let all = Mix::all();
        assert_eq!(generate(7, &all), generate(7, &all));
        assert_ne!(generate(7, &all), generate(7 + 1, &all));
    }

    #[test]
    fn a_mix_leaves_classes_out_and_moves_nothing_else() {
        let all = Mix::all();
        // Classes whose faults share no resource with any other class.
        let only = Mix::only([FaultClass::Forgery, FaultClass::Rebalance]);
        for seed in 0..50 {
            let kept: Vec<(Duration, Fault)> = generate(seed, &all)
                .faults
                .into_iter()
                .filter(|t| only.contains(FaultClass::of(&t.fault)))
                .map(|t| (t.at, t.fault))
                .collect();
            let part: Vec<(Duration, Fault)> = generate(seed, &only)
                .faults
                .into_iter()
                .map(|t| (t.at, t.fault))
                .collect();
            assert_eq!(kept, part, "seed {seed}");
        }
    }

    #[test]
    fn some_seeds_have_a_long_fault_and_heal_after_it() {
        // A rolling restart or a mixed-version deploy moves the heal too (`deploy.rs`); here
        // only the long fault does.
        let mix = Mix::all().without(&[FaultClass::RollingRestart, FaultClass::MixedVersions]);
        let long: Vec<Schedule> = (0..200)
            .map(|seed| generate(seed, &mix))
            .filter(|s| s.heal_at > s.load_for)
            .collect();
        assert!((20..=60).contains(&long.len()), "{} long seeds", long.len());
        assert!(long.iter().any(|s| s.heal_at > Duration::from_secs(60)));
        for s in &long {
            let end = s
                .faults
                .iter()
                .filter(|t| t.fault.lasts() >= Some(LONG_MIN))
                .map(|t| t.at + t.fault.lasts().unwrap_or_default());
            assert!(end.max().unwrap() < s.heal_at);
        }
    }

    #[test]
    fn no_two_faults_share_a_resource_at_once() {
        for seed in 0..200 {
            let s = generate(seed, &Mix::all());
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
