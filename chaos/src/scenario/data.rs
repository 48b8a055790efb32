//! Bad data from outside the saga: poison records (small, and just under the producer's 1 MB
//! limit — too large for a rejection that carries it), forged payment events of every kind, and
//! one order made unprocessable for good (its decision a Redis hash, or its status change
//! refused by PostgreSQL). Shows a poisoned record never stops the saga for other orders, and
//! that nothing forged is applied or gets a courier.

use std::time::Duration;

use saga_components::Component;
use saga_components::registry::{ORDER_STATUS_WORKER, PAYMENT_WORKER};
use saga_core::Topic;

use super::catalog::Scenario;
use super::plan::Plan;
use crate::sabotage::{Forgery, PoisonSize};
use crate::timeline::Action;

fn ms(n: u32) -> Duration {
    Duration::from_millis(u64::from(n))
}

/// `victim` killed while a burst of orders arrives, `sabotage` played on one of those orders
/// while nothing handles them, then `victim` restarted.
fn while_down(plan: &mut Plan, victim: Component, sabotage: Action) {
    let at = plan.point(0.2, 0.4);
    plan.kill(&[victim], (at, at + ms(2_500)));
    plan.at(at + ms(300), Action::Burst(20));
    plan.at(at + ms(1_800), sabotage);
}

pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario::new(
            "poison",
            "small JSON records that are no event, on orders and on payments",
            |plan: &mut Plan| {
                for topic in [Topic::Orders, Topic::Payments] {
                    let at = plan.point(0.2, 0.6);
                    let size = PoisonSize::Small;
                    plan.at(at, Action::Poison { topic, size });
                }
            },
        ),
        Scenario::new(
            "poison-oversized",
            "non-JSON just under the 1 MB record limit on orders and payments: no rejection fits",
            |plan: &mut Plan| {
                for topic in [Topic::Orders, Topic::Payments] {
                    let at = plan.point(0.2, 0.6);
                    let size = PoisonSize::Oversized;
                    plan.at(at, Action::Poison { topic, size });
                }
            },
        ),
        Scenario::new(
            "forged-payments",
            "payments for an unknown order, contradicting, foreign-caused and re-keyed",
            |plan: &mut Plan| {
                for forgery in [
                    Forgery::UnknownOrder,
                    Forgery::Contradiction,
                    Forgery::DuplicateNewId,
                ] {
                    let at = plan.point(0.3, 0.8);
                    plan.at(at, Action::Forge(forgery));
                }
                // A foreign payment must find its order PENDING: orders placed while nobody
                // decides payments.
                let forge = Action::Forge(Forgery::WrongCausation);
                while_down(plan, PAYMENT_WORKER, forge);
            },
        ),
        Scenario::new(
            "unprocessable-decision",
            "an order's decision slot in Redis holds a hash: its payment can never be decided",
            |plan: &mut Plan| {
                while_down(plan, PAYMENT_WORKER, Action::CorruptDecision);
            },
        ),
        Scenario::new(
            "unprocessable-payment",
            "PostgreSQL refuses one order's status change (a check violation), for good",
            |plan: &mut Plan| {
                while_down(plan, ORDER_STATUS_WORKER, Action::RefusePayment);
            },
        ),
    ]
}
