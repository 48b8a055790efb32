//! Faults in the data rather than the machinery: poison records (small, or too large for their
//! rejection to fit under the broker's limit), one order's data made permanently unprocessable,
//! and forged payment events from a producer outside the saga. What each fault writes and to
//! which order is `saga_faults`' (the chaos runner plays the same); this module reads the
//! durable state at the moment the fault fires (ordered collections: deterministic), writes
//! the result and counts it. A fault that finds no target says so in the trace and counts
//! nothing.

use saga_core::Topic;
use saga_core::ports::{OutgoingMessage, SeededEntropy};

use super::{Forgery, PoisonSize, Unprocessable};
use crate::infra::MESSAGE_MAX_BYTES;
use crate::observe::{Event, Signal};
use crate::world::{EPOCH, World};

fn note(world: &World, action: String) {
    world.emit("driver", Event::Fault { action });
}

fn append(world: &World, message: OutgoingMessage) {
    let placed = world.durable.bus.append(std::slice::from_ref(&message));
    // The driver runs between the simulation's steps, outside any host, where turmoil has no
    // clock to read: its records carry the time the driver stepped to.
    let at = world.observer.driver_now();
    for (partition, offset) in placed {
        let times = &world.durable.appended_at;
        times.stamp(message.topic, partition, offset, at);
        let event = Event::appended(&message, partition, offset, false);
        world.emit("driver", event);
    }
}

/// Appends a record that is not a valid event, keyed like an order's events.
pub fn poison(world: &World, topic: Topic, size: PoisonSize) {
    if size == PoisonSize::Oversized {
        world
            .observer
            .with_coverage(|c| c.add(Signal::OversizedPoison));
    }
    append(
        world,
        saga_faults::poison_message(topic, size, MESSAGE_MAX_BYTES),
    );
}

/// Makes one order's handling fail for good: a corrupt decision for the newest order not yet
/// decided, or a refused payment for the newest PENDING order.
pub fn unprocessable(world: &World, what: Unprocessable) {
    let store = world.durable.store.snapshot();
    let decisions = &world.durable.decisions;
    let target = saga_faults::candidates(&store, what).find(|&(_, source)| match what {
        Unprocessable::Decision => decisions.get(source).is_none(),
        Unprocessable::Payment => true,
    });
    let Some((order, source)) = target else {
        if what == Unprocessable::Decision {
            // Every order is decided already: the next one decided gets the garbage.
            world.durable.sabotage.corrupt_next_decision();
            return note(
                world,
                "every order decided: corrupting the next decision".into(),
            );
        }
        return note(world, format!("no order to make unprocessable ({what:?})"));
    };
    match what {
        Unprocessable::Decision => world.durable.sabotage.corrupt_decision(order, source),
        Unprocessable::Payment => world.durable.sabotage.refuse_payments(order),
    }
    let what = format!("{what:?}");
    world.emit(
        "driver",
        Event::Quarantined {
            order,
            source,
            what,
        },
    );
}

fn signal(forgery: Forgery) -> Signal {
    match forgery {
        Forgery::UnknownOrder => Signal::ForgedUnknownOrder,
        Forgery::Contradiction => Signal::ForgedContradiction,
        Forgery::WrongCausation => Signal::ForgedWrongCausation,
        Forgery::DuplicateNewId => Signal::ForgedDuplicate,
    }
}

/// Appends a forged payment event to `payments` (fault `id` seeds its ids).
pub fn forge(world: &World, id: usize, forgery: Forgery) {
    let ids = SeededEntropy::new(world.host_seed("driver-forgery", id as u64));
    let store = world.durable.store.snapshot();
    let Some(forged) = saga_faults::target(&store, forgery, id as u64, &ids) else {
        return note(world, format!("nothing to forge against ({forgery:?})"));
    };
    let now = EPOCH + world.observer.driver_now();
    let (envelope, message) = saga_faults::forged_message(forged, &ids, now);
    world.observer.with_coverage(|c| c.add(signal(forgery)));
    world.emit(
        "driver",
        Event::Forged {
            order: forged.order,
            event: envelope.event_id,
            forgery: forgery.name().to_owned(),
        },
    );
    append(world, message);
}
