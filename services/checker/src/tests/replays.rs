//! A replay is recorded only once its copy is on the topic.

use saga_core::ports::{DeadLetterAction, DeadLetterActionKind, ReplayMark};

use super::*;

fn replayed(letter: EventId) -> DeadLetterAction {
    DeadLetterAction {
        dead_letter: letter,
        kind: DeadLetterActionKind::Replayed { count: 1 },
        actor: "ops".into(),
        why: "fixed upstream".into(),
        at: AT,
    }
}

#[test]
fn a_recorded_replay_needs_its_copy_on_a_topic() {
    let letter = EventId::from_random_bits(77);
    let mut s = healthy();
    s.dead_letter_actions.push(replayed(letter));
    assert_eq!(properties(&s), vec![Property::RecordedReplayPublished]);

    let mut copy = s.bus.records[0].clone();
    copy.offset = 99;
    copy.replay = Some(ReplayMark {
        dead_letter: letter,
        count: 1,
    });
    s.bus.records.push(copy);
    assert!(!properties(&s).contains(&Property::RecordedReplayPublished));
}

#[test]
fn a_discard_publishes_nothing_and_a_lossy_broker_excuses_a_missing_copy() {
    let letter = EventId::from_random_bits(78);
    let mut s = healthy();
    s.dead_letter_actions.push(DeadLetterAction {
        kind: DeadLetterActionKind::Discarded,
        ..replayed(letter)
    });
    assert_eq!(properties(&s), vec![]);
    s.dead_letter_actions
        .push(replayed(EventId::from_random_bits(79)));
    s.interference.lost_events = Lost::Unknown;
    assert!(!properties(&s).contains(&Property::RecordedReplayPublished));
}
