//! Playing one seed: build the world, step the simulation while the driver applies the fault
//! schedule, heal, wait for quiescence within a bounded simulated time, then judge the final
//! state with the core checker. Safety is also checked on every transition as it happens.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use saga_checker::{Scope, Violation, check};
use saga_core::snapshot::Acknowledged;

use crate::fault::{self, Schedule};
use crate::observe::{Event, Monitor, Signal};
use crate::options::RunOptions;
use crate::report::{self, RunReport};
use crate::workload::{self, Plan};
use crate::world::{self, CLIENTS, EPOCH, MAX_LATENCY, MIN_LATENCY, World};

/// Simulated time per step: every host runs this long, then the network moves.
pub const TICK: Duration = Duration::from_millis(20);

enum Stop {
    Quiescent,
    Violation,
    Deadline,
    HostFailed(String),
}

/// Plays `options.seed` and judges it.
pub fn run(options: &RunOptions) -> RunReport {
    let started = Instant::now();
    let generated = fault::generate(options.seed, &options.faults);
    let schedule = match &options.keep {
        Some(keep) => generated.keep(keep),
        None => generated,
    };
    let world = World::new(options.seed, options.mutant);
    world
        .releases
        .start_previous(fault::previous_release(&schedule));
    // The services read the run's mutant through `saga_core::mutant::active`.
    let _mutant = saga_core::mutant::install(options.mutant);
    let epoch = SystemTime::UNIX_EPOCH + Duration::from_secs(EPOCH.unix_timestamp() as u64);
    let mut sim = turmoil::Builder::new()
        .rng_seed(options.seed)
        .epoch(epoch)
        .tick_duration(TICK)
        .simulation_duration(Duration::from_secs(3600))
        .min_message_latency(MIN_LATENCY)
        .max_message_latency(MAX_LATENCY)
        .tcp_capacity(1024)
        .build();
    crate::infra::register(&mut sim, &world);
    world::register_services(&mut sim, &world, &schedule.replicas);
    let plan = Plan::new(options.seed, options.orders, schedule.load_for);
    sim.client(CLIENTS, workload::run(world.clone(), plan));

    let mut timeline = Timeline::new(&schedule);
    let deadline = schedule.heal_at + options.liveness_bound;
    let (mut workload_done, mut healed) = (false, false);
    let mut next_probe = schedule.heal_at;
    let stop = loop {
        let now = sim.elapsed();
        world.observer.set_driver_now(now);
        world.observer.driving(|| {
            timeline.apply_due(now, &mut sim, &world, &schedule);
            if !healed && now >= schedule.heal_at {
                fault::heal(&mut sim, &world, &schedule.hosts());
                healed = true;
            }
        });
        match sim.step() {
            Ok(done) => workload_done |= done,
            Err(error) => break Stop::HostFailed(error.to_string()),
        }
        if world.observer.has_violation() {
            break Stop::Violation;
        }
        if healed && now >= next_probe {
            next_probe = now + Duration::from_millis(250);
            if workload_done && quiescent(&world) {
                break Stop::Quiescent;
            }
        }
        if now >= deadline {
            break Stop::Deadline;
        }
    };
    let sim_time = sim.elapsed();
    // Judge before the simulation is dropped: dropping it ends sessions, which reports more.
    let report = judge(options, schedule, &world, stop, sim_time, started);
    drop(sim);
    report
}

fn judge(
    options: &RunOptions,
    schedule: Schedule,
    world: &World,
    stop: Stop,
    sim_time: Duration,
    started: Instant,
) -> RunReport {
    let acknowledged: Vec<Acknowledged> = world.observer.with_trace(|trace| {
        trace
            .iter()
            .filter_map(|line| match &line.event {
                Event::Acknowledged {
                    order, key, trace, ..
                } => Some(Acknowledged {
                    order_id: *order,
                    idempotency_key: key.clone(),
                    trace: *trace,
                }),
                _ => None,
            })
            .collect()
    });
    let mut snapshot = world.durable.snapshot(acknowledged.clone());
    snapshot.interference = world
        .observer
        .with_trace(crate::observe::allowances::interference);
    let orphans = snapshot
        .store
        .orders
        .iter()
        .filter(|o| !acknowledged.iter().any(|a| a.order_id == o.id))
        .count();
    let scope = match stop {
        Stop::Quiescent | Stop::Deadline => Scope::SafetyAndLiveness,
        Stop::Violation | Stop::HostFailed(_) => Scope::Safety,
    };
    let mut violations: Vec<Violation> = world.observer.with_monitor(Monitor::violations);
    for found in check(&snapshot, scope) {
        let seen = violations
            .iter()
            .any(|v| v.property == found.property && v.order_id == found.order_id);
        if !seen {
            violations.push(found);
        }
    }
    let failure = match stop {
        Stop::HostFailed(error) => Some(format!("a host failed: {error}")),
        Stop::Deadline if violations.is_empty() => Some(format!(
            "not quiescent {:?} after heal, yet no property names why (the workload did not finish?)",
            options.liveness_bound
        )),
        _ => None,
    };
    let mut coverage = world.observer.with_coverage(|c| c.clone());
    for _ in 0..orphans {
        coverage.add(Signal::AmbiguousOrderCreation);
    }
    let hash = world.observer.hash();
    let trace = world.observer.take_trace();
    report::attach_histories(&mut violations, &trace);
    let passed = violations.is_empty() && failure.is_none();
    RunReport {
        options: options.clone(),
        schedule,
        violations,
        failure,
        coverage,
        hash,
        trace: if options.keep_trace || !passed {
            trace
        } else {
            Vec::new()
        },
        sim_time,
        wall_time: started.elapsed(),
        acknowledged: acknowledged.len(),
        created: snapshot.store.orders.len(),
    }
}

/// Every order terminal (but those the harness made unprocessable), the outbox drained, every
/// group caught up.
fn quiescent(world: &World) -> bool {
    let store = world.durable.store.snapshot();
    let sabotage = &world.durable.sabotage;
    let settled = store
        .orders
        .iter()
        .all(|o| o.status.is_terminal() || sabotage.quarantined(o.id))
        && store.outbox.iter().all(|r| r.published);
    settled && {
        let bus = world.durable.bus.snapshot();
        saga_core::topic::CONSUMER_GROUPS
            .iter()
            .all(|(group, topic)| {
                let committed = bus.groups.iter().find(|g| g.group == *group);
                bus.end_offsets
                    .iter()
                    .filter(|((t, _), _)| t == topic)
                    .all(|(tp, end)| {
                        committed
                            .and_then(|g| g.committed.get(tp))
                            .copied()
                            .unwrap_or(0)
                            >= *end
                    })
            })
    }
}

/// One step of the schedule: fault `fault` starts or ends `at`.
#[derive(Debug, Clone, Copy)]
struct Action {
    at: Duration,
    fault: usize,
    start: bool,
}

/// The schedule as start and end actions in time order.
struct Timeline {
    actions: Vec<Action>,
    next: usize,
}

impl Timeline {
    fn new(schedule: &Schedule) -> Self {
        let mut actions = Vec::new();
        for (fault, t) in schedule.faults.iter().enumerate() {
            actions.push(Action {
                at: t.at,
                fault,
                start: true,
            });
            if let Some(lasts) = t.fault.lasts() {
                actions.push(Action {
                    at: (t.at + lasts).min(schedule.heal_at),
                    fault,
                    start: false,
                });
            }
        }
        // Ends before starts at the same instant, so a resource is free before it is reused.
        actions.sort_by_key(|a| (a.at, a.start, a.fault));
        Self { actions, next: 0 }
    }

    fn apply_due(
        &mut self,
        now: Duration,
        sim: &mut turmoil::Sim<'_>,
        world: &Arc<World>,
        schedule: &Schedule,
    ) {
        while let Some(&action) = self.actions.get(self.next) {
            if action.at > now {
                return;
            }
            self.next += 1;
            let timed = &schedule.faults[action.fault];
            if action.start {
                fault::start(sim, world, timed.id, &timed.fault);
            } else {
                fault::end(sim, world, timed.id, &timed.fault);
            }
        }
    }
}
