//! Faults in the data rather than the machinery: poison records (small, or too large for their
//! rejection to fit under the broker's limit), one order's data made permanently unprocessable,
//! and forged payment events from a producer outside the saga. Targets are picked from the
//! durable state at the moment the fault fires (ordered collections: deterministic); a fault
//! that finds no target says so in the trace and counts nothing.

use saga_core::ports::{Entropy, OutgoingMessage, SeededEntropy};
use saga_core::snapshot::OrderStoreSnapshot;
use saga_core::{Envelope, EventBody, EventId, OrderId, OrderStatus, PaymentDecision, Topic};

use super::{Forgery, PoisonSize, Unprocessable};
use crate::infra::MESSAGE_MAX_BYTES;
use crate::observe::{Event, Signal};
use crate::world::{EPOCH, World};

fn note(world: &World, action: String) {
    world.emit("driver", Event::Fault { action });
}

fn append(world: &World, message: OutgoingMessage) {
    let placed = world.durable.bus.append(std::slice::from_ref(&message));
    for (partition, offset) in placed {
        let event = Event::appended(&message, partition, offset, false);
        world.emit("driver", event);
    }
}

/// Appends a record that is not a valid event, keyed like an order's events.
pub fn poison(world: &World, topic: Topic, size: PoisonSize) {
    let payload = match size {
        PoisonSize::Small => br#"{"event_type":"ORDER_CREATED","schema_version":99}"#.to_vec(),
        // Not JSON, and so large that the base64 of it inside a rejection cannot fit.
        PoisonSize::Oversized => {
            world
                .observer
                .with_coverage(|c| c.add(Signal::OversizedPoison));
            let mut bytes = vec![b'x'; MESSAGE_MAX_BYTES - 64];
            bytes[0] = 0xff;
            bytes
        }
    };
    let message = OutgoingMessage {
        topic,
        key: "1".into(),
        payload,
        correlation_id: None,
        replay: None,
        trace: None,
    };
    append(world, message);
}

/// The source (ORDER_CREATED) event id of every order, from the outbox.
fn source(store: &OrderStoreSnapshot, order: OrderId) -> Option<EventId> {
    store.created_events.get(&order).copied()
}

/// Makes one order's handling fail for good: a corrupt decision for the newest order not yet
/// decided, or a refused payment for the newest PENDING order.
pub fn unprocessable(world: &World, what: Unprocessable) {
    let store = world.durable.store.snapshot();
    let decisions = &world.durable.decisions;
    let target = store.orders.iter().rev().find_map(|o| {
        let source = source(&store, o.id)?;
        let open = match what {
            Unprocessable::Decision => decisions.get(source).is_none(),
            Unprocessable::Payment => o.status == OrderStatus::Pending,
        };
        open.then_some((o.id, source))
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

/// Appends a forged payment event to `payments` (fault `id` seeds its ids).
pub fn forge(world: &World, id: usize, forgery: Forgery) {
    let ids = SeededEntropy::new(world.host_seed("driver-forgery", id as u64));
    let store = world.durable.store.snapshot();
    let newest = |pick: &dyn Fn(OrderStatus) -> bool| {
        store
            .orders
            .iter()
            .rev()
            .find(|o| pick(o.status) && source(&store, o.id).is_some())
    };
    let decision_of = |status: OrderStatus| match status {
        OrderStatus::Completed => PaymentDecision::Success,
        _ => PaymentDecision::Failed,
    };
    let flip = |d: PaymentDecision| match d {
        PaymentDecision::Success => PaymentDecision::Failed,
        PaymentDecision::Failed => PaymentDecision::Success,
    };
    let (order, causation, decision, signal) = match forgery {
        Forgery::UnknownOrder => {
            let order = OrderId::new(900_000 + id as i64).expect("positive");
            let signal = Signal::ForgedUnknownOrder;
            (order, ids.event_id(), PaymentDecision::Success, signal)
        }
        Forgery::Contradiction | Forgery::DuplicateNewId => {
            let Some(o) = newest(&|s: OrderStatus| s.is_terminal()) else {
                return note(world, format!("nothing to forge against ({forgery:?})"));
            };
            let applied = decision_of(o.status);
            let (decision, signal) = match forgery {
                Forgery::Contradiction => (flip(applied), Signal::ForgedContradiction),
                _ => (applied, Signal::ForgedDuplicate),
            };
            (o.id, source(&store, o.id).expect("found"), decision, signal)
        }
        Forgery::WrongCausation => {
            let published = |o: &&saga_core::Order| {
                store
                    .outbox
                    .iter()
                    .any(|r| r.order_id == Some(o.id) && r.published)
            };
            let Some(o) = store
                .orders
                .iter()
                .rev()
                .filter(|o| o.status == OrderStatus::Pending)
                .find(published)
            else {
                return note(world, format!("nothing to forge against ({forgery:?})"));
            };
            let decision = if ids.coin(0.5) {
                PaymentDecision::Success
            } else {
                PaymentDecision::Failed
            };
            (o.id, ids.event_id(), decision, Signal::ForgedWrongCausation)
        }
    };
    let now = world.observer.driver_now();
    let envelope = Envelope {
        event_id: ids.event_id(),
        occurred_at: EPOCH + now,
        correlation_id: ids.correlation_id(),
        causation_id: Some(causation),
        body: EventBody::Payment {
            order_id: order,
            decision,
        },
        trace: None,
    };
    world.observer.with_coverage(|c| c.add(signal));
    world.emit(
        "driver",
        Event::Forged {
            order,
            event: envelope.event_id,
            forgery: forgery.name().to_owned(),
        },
    );
    append(
        world,
        OutgoingMessage {
            topic: Topic::Payments,
            key: order.key(),
            payload: envelope.to_bytes(),
            correlation_id: Some(envelope.correlation_id.clone()),
            replay: None,
            trace: None,
        },
    );
}
