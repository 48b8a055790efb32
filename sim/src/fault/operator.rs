//! Operators acting on dead letters while faults play: a replay, a discard, two operators on
//! the same letter at once (two replays, or a replay racing a discard), and a replay whose
//! publish cannot reach Kafka. Each operator is a client host running the product's own
//! replay and discard (`saga_runtime::dlq`) over the simulated network, on a letter open at
//! the moment the fault starts. Drawn from a stream of their own, after everything else, so a
//! seed's other faults fall where they fell before this class existed.

use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use saga_core::ports::Clock;
use saga_runtime::dlq::{self, Actor, DeadLetter, DlqError};
use turmoil::Sim;

use super::{Fault, OperatorAct, TimedFault};
use crate::adapters::{Endpoint, SimDeadLetterLedger, SimEventBus};
use crate::observe::{Event, Signal};
use crate::wire::{KAFKA_PORT, POSTGRES_PORT};
use crate::world::{HostClock, KAFKA, POSTGRES, World};

const ACTS: [OperatorAct; 5] = [
    OperatorAct::Replay,
    OperatorAct::Discard,
    OperatorAct::TwoReplays,
    OperatorAct::ReplayAndDiscard,
    OperatorAct::ReplayCutOff,
];

/// The operators' actions of `seed`: none in a third of the seeds, else one to three, in the
/// second half of the load (when poison, forgeries and unprocessable data have made letters).
pub fn draw(seed: u64, load_for: Duration) -> Vec<TimedFault> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00fa_0175_c8ed_0005);
    let load_ms = load_for.as_millis() as u64;
    let acts = super::generate::count_with(&mut rng, 1.0 / 3.0, 3);
    (0..acts)
        .map(|_| TimedFault {
            id: 0,
            at: Duration::from_millis(rng.random_range(load_ms / 2..load_ms - 100)),
            fault: Fault::Operate {
                act: ACTS[rng.random_range(0..ACTS.len())],
                lasts: Duration::from_millis(rng.random_range(1_000..=3_000)),
            },
        })
        .collect()
}

/// The dead letters no operator has acted on yet, as the explorer would list them.
fn open_letters(world: &World) -> Vec<DeadLetter> {
    let snapshot = world.durable.snapshot(Vec::new());
    let (letters, _) = dlq::gather(
        &snapshot.bus.records,
        &snapshot.dead_letters,
        &snapshot.dead_letter_actions,
    );
    letters.into_iter().filter(DeadLetter::is_open).collect()
}

/// Starts fault `i`'s operators on one open letter (chosen by the seed); with
/// [`OperatorAct::ReplayCutOff`] the operator's link to Kafka is cut before it starts.
pub fn start(sim: &mut Sim<'_>, world: &Arc<World>, i: usize, act: OperatorAct) {
    let letters = open_letters(world);
    if letters.is_empty() {
        return world.emit(
            "driver",
            Event::Fault {
                action: format!("#{i}: no open dead letter for the operators"),
            },
        );
    }
    let mut rng = ChaCha8Rng::seed_from_u64(world.host_seed("driver-operator", i as u64));
    let letter = letters[rng.random_range(0..letters.len())].clone();
    for (n, replays) in act.operators().iter().enumerate() {
        let host: &'static str = Box::leak(format!("operator-{i}-{n}").into_boxed_str());
        sim.client(host, act_on(world.clone(), host, letter.clone(), *replays));
        if act == OperatorAct::ReplayCutOff {
            sim.partition(host, KAFKA);
        }
    }
}

/// One operator's replay (or discard) of `letter`, through the product's own code.
async fn act_on(
    world: Arc<World>,
    host: &'static str,
    letter: DeadLetter,
    replay: bool,
) -> turmoil::Result {
    let bus = SimEventBus::new(Endpoint::new("kafka", KAFKA, KAFKA_PORT));
    let ledger = SimDeadLetterLedger::new(Endpoint::new("postgres", POSTGRES, POSTGRES_PORT));
    let clock = HostClock {
        world: world.clone(),
        host,
    };
    let actor = Actor {
        name: host.to_owned(),
        why: "simulated operator".into(),
        request: None,
        at: clock.now(),
        max_age: crate::infra::retention::REPUBLISH_MAX_AGE,
    };
    let outcome = if replay {
        dlq::replay(&bus, &ledger, &letter, &actor, false)
            .await
            .map(|_| ())
    } else {
        dlq::discard(&ledger, &letter, &actor).await
    };
    let signal = match &outcome {
        Ok(()) if replay => Some(Signal::OperatorReplayed),
        Ok(()) => Some(Signal::OperatorDiscarded),
        Err(DlqError::AlreadyActed { .. }) => Some(Signal::OperatorRefused),
        Err(DlqError::Port(_)) => Some(Signal::OperatorActionFailed),
        Err(DlqError::Truncated { .. } | DlqError::TooOld { .. }) => None,
    };
    if let Some(signal) = signal {
        world.observer.with_coverage(|c| c.add(signal));
    }
    let verb = if replay { "replay" } else { "discard" };
    let how = match outcome {
        Ok(()) => "done".to_owned(),
        Err(error) => error.to_string(),
    };
    world.emit(
        host,
        Event::Fault {
            action: format!("{verb} of dead letter {}: {how}", letter.id),
        },
    );
    Ok(())
}
