//! What a member has handled and not yet committed, and when it commits it.
//!
//! Committing after every batch costs a round trip to the group coordinator and an append to
//! `__consumer_offsets` per batch. Under light load a batch is one record, so every event paid
//! for a commit in the worker, in the broker and on the wire: at half the saturation rate the
//! broker spent more CPU per order than at saturation, and the machine ran 85 % busy at half
//! its capacity. So handled offsets are gathered here and committed at most once per
//! [`ConsumerPolicy::commit_interval`](super::ConsumerPolicy::commit_interval): at the first
//! batch after the interval has passed, or, when no more records come, when it ends (the
//! loop's idle wait). Nothing is lost by waiting: an offset not yet committed when a member
//! dies only means its records are handled again, which the handlers are built for
//! (at-least-once); the interval bounds how much is redone.

use std::collections::BTreeMap;
use std::time::Duration;

use saga_core::Topic;
use saga_core::ports::{Consumer, Delivery, PortError};
use tokio::time::Instant;

use super::ConsumerSpec;

/// How a commit went.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Commit {
    Done,
    /// A partition moved to another member in a rebalance: its records are redelivered to the
    /// new owner. The membership itself is fine; leaving and re-joining here would force yet
    /// another rebalance on every member (and, with two members, a storm of them).
    Revoked,
    /// The broker is unreachable or the membership is gone: re-subscribe.
    Failed,
}

/// Handled deliveries not yet committed: the last one of each partition.
#[derive(Default)]
pub(super) struct Offsets {
    pending: BTreeMap<(Topic, u32), Delivery>,
    /// When the last commit was sent; `None` before the first.
    sent_at: Option<Instant>,
}

impl Offsets {
    /// Records that every delivery of `batch` is handled.
    pub(super) fn handled(&mut self, batch: &[Delivery]) {
        for delivery in batch {
            let entry = self
                .pending
                .entry((delivery.topic, delivery.partition))
                .or_insert_with(|| delivery.clone());
            if delivery.offset > entry.offset {
                *entry = delivery.clone();
            }
        }
    }

    /// When the pending offsets must be committed: `None` when nothing is pending, else the
    /// end of the interval that began with the last commit (now, if none was sent yet).
    pub(super) fn due(&self, interval: Duration) -> Option<Instant> {
        if self.pending.is_empty() {
            return None;
        }
        Some(self.sent_at.map_or_else(Instant::now, |at| at + interval))
    }

    /// Commits what is pending if its time has come (or `now` is true), pipelined: the broker's
    /// answer is awaited at the next commit or [`Consumer::settle`].
    pub(super) async fn commit(
        &mut self,
        spec: &ConsumerSpec,
        consumer: &mut dyn Consumer,
        now: bool,
    ) -> Commit {
        let due = self.due(spec.policy.commit_interval);
        if due.is_none_or(|at| !now && Instant::now() < at) {
            return Commit::Done;
        }
        let last = self.take();
        self.sent_at = Some(Instant::now());
        outcome(spec, consumer.commit_pipelined(&last).await)
    }

    /// The pending deliveries (the last of each partition), leaving none.
    fn take(&mut self) -> Vec<Delivery> {
        std::mem::take(&mut self.pending).into_values().collect()
    }
}

/// Commits past the last delivery of each partition in `batch` and waits until it is durable
/// (the `commit-before-processing` mutant's commit).
pub(super) async fn commit_durably(
    spec: &ConsumerSpec,
    consumer: &mut dyn Consumer,
    batch: &[Delivery],
) -> Commit {
    let mut offsets = Offsets::default();
    offsets.handled(batch);
    outcome(spec, consumer.commit_batch(&offsets.take()).await)
}

fn outcome(spec: &ConsumerSpec, committed: Result<(), PortError>) -> Commit {
    match committed {
        Ok(()) => Commit::Done,
        Err(PortError::Rebalanced(reason)) => {
            tracing::info!(component = spec.component, %reason, "partition reassigned before the commit; its new owner gets the records");
            Commit::Revoked
        }
        Err(error) => {
            tracing::warn!(component = spec.component, %error, "commit failed; the records will be redelivered");
            Commit::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(partition: u32, offset: u64) -> Delivery {
        Delivery {
            topic: Topic::Orders,
            partition,
            offset,
            key: None,
            payload: Vec::new(),
            correlation_id: None,
            replay: None,
            trace: None,
        }
    }

    #[test]
    fn commits_cover_the_last_of_each_partition() {
        let mut offsets = Offsets::default();
        offsets.handled(&[delivery(0, 1), delivery(1, 7), delivery(0, 5)]);
        // A later batch never moves a partition back (a rewound one is handled again).
        offsets.handled(&[delivery(0, 3)]);
        let last: Vec<(u32, u64)> = offsets
            .take()
            .iter()
            .map(|d| (d.partition, d.offset))
            .collect();
        assert_eq!(last, vec![(0, 5), (1, 7)]);
        assert!(offsets.take().is_empty());
    }
}
