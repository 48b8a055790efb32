//! Applying and undoing faults on a running simulation. Called by the driver between steps, so
//! every fault lands at a deterministic point of the run.

use std::sync::Arc;

use turmoil::Sim;

use super::Fault;
use crate::observe::{Event, Signal};
use crate::world::{INFRA, MAX_LATENCY, MIN_LATENCY, World, component_of};

fn note(world: &World, action: String) {
    world.emit("driver", Event::Fault { action });
}

fn count(world: &World, signal: Signal) {
    world.observer.with_coverage(|c| c.add(signal));
}

/// Faults at least this long count as long ones.
const LONG: std::time::Duration = std::time::Duration::from_secs(30);

/// Starts `fault` (index `i` of the schedule).
pub fn start(sim: &mut Sim<'_>, world: &Arc<World>, i: usize, fault: &Fault) {
    note(world, format!("start #{i}: {fault}"));
    if fault.lasts().is_some_and(|d| d >= LONG) {
        count(world, Signal::LongFault);
    }
    match fault {
        Fault::Crash { host, .. } => {
            crash(sim, world, host);
        }
        Fault::PowerLoss {
            host, unflushed, ..
        } => {
            if crash(sim, world, host) {
                super::power::lose_unsynced(world, host, *unflushed);
            }
        }
        Fault::BlackHole { host, .. } => world.switches.set_black_hole(host, true),
        Fault::Partition { a, b, .. } => {
            sim.partition(*a, *b);
            count(world, Signal::Partition);
        }
        Fault::PartitionOneWay { from, to, .. } => {
            sim.partition_oneway(*from, *to);
            count(world, Signal::PartitionOneWay);
        }
        Fault::Hold { a, b, .. } => {
            sim.hold(*a, *b);
            count(world, Signal::Hold);
        }
        Fault::LatencySpike { a, b, latency, .. } => {
            sim.set_link_latency(*a, *b, *latency);
            count(world, Signal::LatencySpike);
        }
        Fault::Rebalance { group } => {
            world.durable.bus.rebalance(group);
            world.emit(
                "kafka",
                Event::Rebalanced {
                    group: (*group).to_owned(),
                },
            );
            count(world, Signal::Rebalance);
        }
        Fault::DuplicateAppends { .. } => world.switches.set_duplicate_appends(true),
        Fault::Poison { topic, size } => super::data::poison(world, *topic, *size),
        Fault::Unprocessable { what } => super::data::unprocessable(world, *what),
        Fault::Forge { forgery } => super::data::forge(world, i, *forgery),
        Fault::AmbiguousCommits { host, rate, .. } => {
            world.switches.set_ambiguous(host, Some(*rate))
        }
        Fault::UncleanElection {
            topic,
            partition,
            records,
        } => super::replication::unclean_election(world, *topic, *partition, *records),
        Fault::DiskLoss { host, .. } => {
            if crash(sim, world, host) {
                super::replication::lose_disk(world, host);
            }
        }
        Fault::GracefulStop { host, rolling, .. } => {
            let kind = match rolling {
                true => Signal::RollingRestart,
                false => Signal::GracefulStop,
            };
            super::deploy::stop(sim, world, host, kind)
        }
        Fault::Upgrade { host, .. } => super::upgrade::stop(sim, world, host),
        Fault::ClockSkew { host, skew, .. } => super::clock::start(sim, world, host, *skew),
        Fault::Operate { act, .. } => super::operator::start(sim, world, i, *act),
    }
}

/// Crashes `host` if it runs; whether it did.
fn crash(sim: &mut Sim<'_>, world: &World, host: &'static str) -> bool {
    if !sim.is_host_running(host) {
        return false;
    }
    let relay = component_of(host) == Some(saga_components::registry::OUTBOX_RELAY);
    if relay && relay_mid_publish(world) {
        count(world, Signal::CrashBetweenPublishAndMark);
    }
    crate::net::crash_silently(|| sim.crash(host));
    if !INFRA.contains(&host) {
        count(world, Signal::CrashService);
    }
    true
}

/// Undoes `fault` (index `i`).
pub fn end(sim: &mut Sim<'_>, world: &World, i: usize, fault: &Fault) {
    match fault {
        Fault::Crash { host, .. }
        | Fault::PowerLoss { host, .. }
        | Fault::DiskLoss { host, .. } => {
            if sim.is_host_running(*host) {
                return;
            }
            sim.bounce(*host);
            if INFRA.contains(host) {
                count(world, Signal::RestartInfra);
            }
        }
        Fault::GracefulStop { host, .. } => super::deploy::restart(sim, world, host),
        Fault::Upgrade { host, step, .. } => super::upgrade::restart(sim, world, host, *step),
        Fault::ClockSkew { host, .. } => super::clock::end(world, host),
        Fault::Operate { .. } => {}
        Fault::BlackHole { host, .. } => world.switches.set_black_hole(host, false),
        Fault::Partition { a, b, .. } => sim.repair(*a, *b),
        Fault::PartitionOneWay { from, to, .. } => sim.repair_oneway(*from, *to),
        Fault::Hold { a, b, .. } => sim.release(*a, *b),
        Fault::LatencySpike { a, b, .. } => {
            sim.set_link_latency(*a, *b, MIN_LATENCY);
            sim.set_link_max_message_latency(*a, *b, MAX_LATENCY);
        }
        Fault::Rebalance { .. }
        | Fault::Poison { .. }
        | Fault::Unprocessable { .. }
        | Fault::Forge { .. }
        | Fault::UncleanElection { .. } => return,
        Fault::DuplicateAppends { .. } => world.switches.set_duplicate_appends(false),
        Fault::AmbiguousCommits { host, .. } => world.switches.set_ambiguous(host, None),
    }
    note(world, format!("end #{i}: {fault}"));
}

/// Heal: whatever of `hosts` is still down comes back and every switch goes off.
pub fn heal(sim: &mut Sim<'_>, world: &World, hosts: &[&'static str]) {
    world.switches.clear();
    for &host in hosts {
        if !sim.is_host_running(host) {
            sim.bounce(host);
        }
    }
    note(world, "heal".into());
}

/// Whether the relay has published rows it has not yet marked: some unpublished outbox row's
/// event is already on Kafka.
fn relay_mid_publish(world: &World) -> bool {
    let outbox = world.durable.store.snapshot().outbox;
    world.observer.with_coverage(|c| {
        outbox
            .iter()
            .any(|row| !row.published && c.published_created().contains(&row.event_id))
    })
}
