//! The dead-letter action ledger contract (see `saga_core::ports::DeadLetterLedger`).

use std::sync::Arc;

use saga_core::ports::{
    DeadLetterAction, DeadLetterActionKind, DeadLetterLedger, Entropy, OsEntropy,
};
use time::OffsetDateTime;

type Ledger = Arc<dyn DeadLetterLedger>;

fn action(kind: DeadLetterActionKind, actor: &str) -> DeadLetterAction {
    let at = OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp())
        .expect("now is a valid timestamp");
    DeadLetterAction {
        dead_letter: OsEntropy.event_id(),
        kind,
        actor: actor.into(),
        why: format!("{actor} says so"),
        at,
    }
}

pub async fn records_one_action_per_letter_and_keeps_the_first(ledger: Ledger) {
    let replayed = action(DeadLetterActionKind::Replayed { count: 2 }, "ops");
    let discarded = action(DeadLetterActionKind::Discarded, "alice");
    assert!(ledger.record(&replayed).await.unwrap());
    assert!(ledger.record(&discarded).await.unwrap());
    let late = DeadLetterAction {
        actor: "bob".into(),
        ..action(DeadLetterActionKind::Discarded, "bob")
    };
    let second = DeadLetterAction {
        dead_letter: replayed.dead_letter,
        ..late
    };
    assert!(
        !ledger.record(&second).await.unwrap(),
        "a second action on one letter is refused"
    );
    let mine: Vec<_> = ledger
        .actions()
        .await
        .unwrap()
        .into_iter()
        .filter(|a| [replayed.dead_letter, discarded.dead_letter].contains(&a.dead_letter))
        .collect();
    assert_eq!(mine, vec![replayed, discarded], "the first kept, in order");
}
