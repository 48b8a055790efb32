//! Forged payment events: valid envelopes written to `payments` by a producer outside the
//! saga. What the checker holds the saga to under them: a forged event is dead-lettered,
//! changes no status and produces no courier (`saga_core::snapshot::Interference::forged`
//! lists their event ids).

use saga_core::ports::{Entropy, OutgoingMessage};
use saga_core::snapshot::OrderStoreSnapshot;
use saga_core::{Envelope, EventBody, EventId, OrderId, OrderStatus, PaymentDecision, Topic};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::decision::{decision_of, flip};

/// The kind of forged payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Forgery {
    /// PAYMENT_SUCCESS for an order that does not exist.
    UnknownOrder,
    /// The opposite outcome for an order whose payment was applied, with the right causation.
    Contradiction,
    /// A payment for a PENDING order whose ORDER_CREATED is published, with a causation that
    /// is not that ORDER_CREATED and a random outcome.
    WrongCausation,
    /// A copy of an applied payment event under a new event id.
    DuplicateNewId,
}

impl Forgery {
    pub const ALL: [Forgery; 4] = [
        Self::UnknownOrder,
        Self::Contradiction,
        Self::WrongCausation,
        Self::DuplicateNewId,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::UnknownOrder => "payment for an unknown order",
            Self::Contradiction => "payment contradicting the applied one",
            Self::WrongCausation => "payment with a foreign causation",
            Self::DuplicateNewId => "duplicate payment under a new event id",
        }
    }
}

/// A forged payment: the order it names, the cause it claims and its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forged {
    pub order: OrderId,
    pub causation: EventId,
    pub decision: PaymentDecision,
}

/// Where unknown orders start: far beyond any order a run places.
const UNKNOWN_FROM: i64 = 900_000;

/// What `forgery` forges given the order store's state, `None` when no order qualifies.
/// `nonce` keeps two unknown-order forgeries of one run apart; `ids` draws the foreign
/// causation and the random outcome.
pub fn target(
    store: &OrderStoreSnapshot,
    forgery: Forgery,
    nonce: u64,
    ids: &dyn Entropy,
) -> Option<Forged> {
    match forgery {
        Forgery::UnknownOrder => {
            let newest = store.orders.last().map_or(0, |o| o.id.get());
            let id = (newest + 1).max(UNKNOWN_FROM) + nonce as i64;
            let order = OrderId::new(id).ok()?;
            let causation = ids.event_id();
            Some(Forged {
                order,
                causation,
                decision: PaymentDecision::Success,
            })
        }
        Forgery::Contradiction | Forgery::DuplicateNewId => {
            let (o, source) = store.orders.iter().rev().find_map(|o| {
                let source = store.created_events.get(&o.id)?;
                o.status.is_terminal().then_some((o, *source))
            })?;
            let applied = decision_of(o.status);
            let decision = match forgery {
                Forgery::Contradiction => flip(applied),
                _ => applied,
            };
            Some(Forged {
                order: o.id,
                causation: source,
                decision,
            })
        }
        Forgery::WrongCausation => {
            let published = |id: OrderId| {
                store
                    .outbox
                    .iter()
                    .any(|r| r.order_id == Some(id) && r.published)
            };
            let o = store
                .orders
                .iter()
                .rev()
                .filter(|o| o.status == OrderStatus::Pending)
                .find(|o| published(o.id))?;
            let decision = if ids.coin(0.5) {
                PaymentDecision::Success
            } else {
                PaymentDecision::Failed
            };
            Some(Forged {
                order: o.id,
                causation: ids.event_id(),
                decision,
            })
        }
    }
}

/// The forged record, its envelope's ids drawn from `ids`, occurring at `now`.
pub fn forged_message(
    forged: Forged,
    ids: &dyn Entropy,
    now: OffsetDateTime,
) -> (Envelope, OutgoingMessage) {
    let envelope = Envelope {
        event_id: ids.event_id(),
        occurred_at: now,
        correlation_id: ids.correlation_id(),
        causation_id: Some(forged.causation),
        body: EventBody::Payment {
            order_id: forged.order,
            decision: forged.decision,
        },
        // A forger has no request to continue: forged records are excused from trace continuity.
        trace: None,
    };
    let message = OutgoingMessage {
        topic: Topic::Payments,
        key: forged.order.key(),
        payload: envelope.to_bytes(),
        correlation_id: Some(envelope.correlation_id.clone()),
        replay: None,
        trace: None,
    };
    (envelope, message)
}

#[cfg(test)]
mod tests {
    use saga_core::ports::SeededEntropy;
    use saga_core::snapshot::OutboxRow;
    use saga_core::{CorrelationId, Item, Order};

    use super::*;

    /// Orders 1..=4: 1 COMPLETED, 2 CANCELLED, 3 PENDING and published, 4 PENDING unpublished.
    fn store() -> OrderStoreSnapshot {
        let statuses = [
            OrderStatus::Completed,
            OrderStatus::Cancelled,
            OrderStatus::Pending,
            OrderStatus::Pending,
        ];
        let mut store = OrderStoreSnapshot::default();
        for (i, status) in statuses.into_iter().enumerate() {
            let id = OrderId::new(i as i64 + 1).unwrap();
            let event = EventId::from_random_bits(i as u128 + 1);
            store.orders.push(Order {
                id,
                item: Item::parse("meal").unwrap(),
                status,
                correlation_id: CorrelationId::from_random_bits(1),
                idempotency_key: None,
                owner: None,
                created_at: OffsetDateTime::UNIX_EPOCH,
                updated_at: OffsetDateTime::UNIX_EPOCH,
            });
            store.created_events.insert(id, event);
            store.outbox.push(OutboxRow {
                event_id: event,
                order_id: Some(id),
                published: i < 3,
                order_created: true,
            });
        }
        store
    }

    fn forge(forgery: Forgery) -> Option<Forged> {
        target(&store(), forgery, 2, &SeededEntropy::new(7))
    }

    #[test]
    fn an_unknown_order_lies_beyond_every_order() {
        let forged = forge(Forgery::UnknownOrder).unwrap();
        assert_eq!(forged.order.get(), UNKNOWN_FROM + 2);
        assert_eq!(forged.decision, PaymentDecision::Success);
        let mut many = store();
        many.orders.last_mut().unwrap().id = OrderId::new(UNKNOWN_FROM + 5).unwrap();
        let beyond = target(&many, Forgery::UnknownOrder, 0, &SeededEntropy::new(7)).unwrap();
        assert_eq!(beyond.order.get(), UNKNOWN_FROM + 6);
    }

    #[test]
    fn a_contradiction_flips_the_newest_terminal_order_with_its_own_cause() {
        let forged = forge(Forgery::Contradiction).unwrap();
        assert_eq!(forged.order.get(), 2);
        assert_eq!(forged.decision, PaymentDecision::Success);
        assert_eq!(forged.causation, EventId::from_random_bits(2));
        let copy = forge(Forgery::DuplicateNewId).unwrap();
        assert_eq!(
            (copy.order.get(), copy.decision),
            (2, PaymentDecision::Failed)
        );
    }

    #[test]
    fn a_foreign_cause_names_the_newest_published_pending_order() {
        let forged = forge(Forgery::WrongCausation).unwrap();
        assert_eq!(forged.order.get(), 3);
        assert_ne!(forged.causation, EventId::from_random_bits(3));
        let mut none = store();
        none.outbox.iter_mut().for_each(|r| r.published = false);
        assert_eq!(
            target(&none, Forgery::WrongCausation, 0, &SeededEntropy::new(7)),
            None
        );
    }

    #[test]
    fn the_same_entropy_forges_the_same_record() {
        let forged = forge(Forgery::WrongCausation).unwrap();
        let at = OffsetDateTime::UNIX_EPOCH;
        let a = forged_message(forged, &SeededEntropy::new(1), at).1;
        let b = forged_message(forged, &SeededEntropy::new(1), at).1;
        assert_eq!((a.key, a.payload), (b.key, b.payload));
    }

    #[test]
    fn forgeries_serialise_by_name() {
        let text = serde_json::to_string(&Forgery::ALL).unwrap();
        assert_eq!(
            text,
            r#"["unknown-order","contradiction","wrong-causation","duplicate-new-id"]"#
        );
        let back: Vec<Forgery> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, Forgery::ALL);
    }
}
