//! What the simulated backends acknowledged but a power loss can still take away. Redis runs
//! `appendfsync everysec`: its writes since the last fsync (on each whole simulated second)
//! are only in the page cache. Kafka with one replica never fsyncs: the records and commits of
//! the last moments are only in the page cache too. The hosts journal each write with its
//! simulated time; a power loss takes everything after its cut and the driver undoes it in the
//! durable models. PostgreSQL fsyncs every commit and journals nothing.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use saga_core::{EventId, Topic};

/// How far back a journal reaches: longer than any power loss's unflushed window.
const HORIZON: Duration = Duration::from_secs(5);

/// A Kafka write the page cache may still lose.
#[derive(Debug, Clone)]
enum KafkaWrite {
    Append {
        topic: Topic,
        partition: u32,
        offset: u64,
    },
    /// A commit, with the offset it replaced.
    Commit {
        group: String,
        topic: Topic,
        partition: u32,
        before: u64,
    },
}

#[derive(Debug, Default)]
struct Journals {
    decisions: VecDeque<(Duration, EventId)>,
    kafka: VecDeque<(Duration, KafkaWrite)>,
}

/// What a Kafka power loss takes: per partition the first lost offset, per group and
/// partition the committed offset to roll back to.
#[derive(Debug, Default)]
pub struct KafkaLoss {
    pub records_from: BTreeMap<(Topic, u32), u64>,
    pub commits_back_to: BTreeMap<(String, Topic, u32), u64>,
}

/// The journals of unsynced writes, shared by the backend hosts and the fault driver.
#[derive(Debug, Default)]
pub struct Unflushed(Mutex<Journals>);

fn prune<T>(journal: &mut VecDeque<(Duration, T)>, now: Duration) {
    while journal.front().is_some_and(|(at, _)| *at + HORIZON < now) {
        journal.pop_front();
    }
}

impl Unflushed {
    fn lock(&self) -> std::sync::MutexGuard<'_, Journals> {
        self.0.lock().expect("journal lock poisoned")
    }

    /// Redis stored a new decision at `at`.
    pub fn decision(&self, at: Duration, source: EventId) {
        let mut j = self.lock();
        prune(&mut j.decisions, at);
        j.decisions.push_back((at, source));
    }

    /// Kafka appended a record at `at`.
    pub fn append(&self, at: Duration, topic: Topic, partition: u32, offset: u64) {
        let mut j = self.lock();
        prune(&mut j.kafka, at);
        let write = KafkaWrite::Append {
            topic,
            partition,
            offset,
        };
        j.kafka.push_back((at, write));
    }

    /// Kafka committed a group's offset at `at`, replacing `before`.
    pub fn commit(&self, at: Duration, group: &str, topic: Topic, partition: u32, before: u64) {
        let mut j = self.lock();
        prune(&mut j.kafka, at);
        let write = KafkaWrite::Commit {
            group: group.to_owned(),
            topic,
            partition,
            before,
        };
        j.kafka.push_back((at, write));
    }

    /// The decisions Redis stored after its last fsync before `now` (the last whole second),
    /// forgotten by the journal.
    pub fn take_decisions(&self, now: Duration) -> Vec<EventId> {
        let synced = Duration::from_secs(now.as_secs());
        let mut j = self.lock();
        let lost = j
            .decisions
            .iter()
            .filter(|(at, _)| *at > synced)
            .map(|(_, source)| *source)
            .collect();
        j.decisions.clear();
        lost
    }

    /// Kafka's writes after `cut`, forgotten by the journal.
    pub fn take_kafka(&self, cut: Duration) -> KafkaLoss {
        let mut loss = KafkaLoss::default();
        let mut j = self.lock();
        for (_, write) in j.kafka.iter().filter(|(at, _)| *at > cut) {
            match write {
                KafkaWrite::Append {
                    topic,
                    partition,
                    offset,
                } => {
                    let from = loss
                        .records_from
                        .entry((*topic, *partition))
                        .or_insert(*offset);
                    *from = (*from).min(*offset);
                }
                KafkaWrite::Commit {
                    group,
                    topic,
                    partition,
                    before,
                } => {
                    // The earliest lost commit's predecessor is what the log kept.
                    loss.commits_back_to
                        .entry((group.clone(), *topic, *partition))
                        .or_insert(*before);
                }
            }
        }
        j.kafka.clear();
        loss
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> EventId {
        EventId::from_random_bits(n)
    }

    #[test]
    fn redis_loses_what_came_after_the_last_whole_second() {
        let u = Unflushed::default();
        u.decision(Duration::from_millis(900), id(1));
        u.decision(Duration::from_millis(1_000), id(2));
        u.decision(Duration::from_millis(1_400), id(3));
        assert_eq!(u.take_decisions(Duration::from_millis(1_700)), vec![id(3)]);
        assert_eq!(u.take_decisions(Duration::from_millis(1_800)), vec![]);
    }

    #[test]
    fn kafka_loses_the_tail_after_the_cut_and_rolls_commits_back() {
        let u = Unflushed::default();
        let s = Duration::from_millis;
        u.append(s(100), Topic::Orders, 0, 7);
        u.append(s(600), Topic::Orders, 0, 8);
        u.append(s(700), Topic::Orders, 0, 9);
        u.commit(s(650), "g", Topic::Orders, 0, 5);
        u.commit(s(800), "g", Topic::Orders, 0, 8);
        let loss = u.take_kafka(s(500));
        assert_eq!(
            loss.records_from.into_iter().collect::<Vec<_>>(),
            vec![((Topic::Orders, 0), 8)]
        );
        assert_eq!(
            loss.commits_back_to.into_iter().collect::<Vec<_>>(),
            vec![(("g".to_owned(), Topic::Orders, 0), 5)]
        );
    }
}
