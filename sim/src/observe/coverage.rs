//! Coverage counters: proof that each fault class and each tricky interleaving really happened.
//! The fault driver counts the faults it applies; the interleavings are recognised here from
//! the trace as it is written.

use std::collections::{BTreeMap, BTreeSet};

use saga_core::{EventId, OrderId, Topic};

use super::Event;
use crate::fault::{FaultClass, Mix};

/// Something the sweep must have made happen at least once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signal {
    CrashService,
    RestartInfra,
    Partition,
    PartitionOneWay,
    Hold,
    LatencySpike,
    Rebalance,
    DuplicateAppend,
    AmbiguousCommit,
    CrashBetweenPublishAndMark,
    RedeliveredOrderCreated,
    DuplicatePaymentEvent,
    AmbiguousOrderCreation,
    RebalanceMidBatch,
    DeadLettered,
    /// One commit covering several deliveries of a partition: the consumer loop's batches.
    BatchCommit,
    /// A poison record too large for its rejection to fit under the broker's limit.
    OversizedPoison,
    /// A handler met data it can never process (a corrupt decision, a refused payment).
    PermanentFailure,
    ForgedUnknownOrder,
    ForgedContradiction,
    ForgedWrongCausation,
    ForgedDuplicate,
    /// A power loss of Redis took acknowledged decisions.
    RedisLostWrites,
    /// A power loss of Kafka took acknowledged records.
    KafkaLostRecords,
    /// A power loss of PostgreSQL (which loses nothing).
    PostgresPowerLoss,
    /// A black-holed backend swallowed a request.
    BlackHole,
    /// A fault lasting at least 30 s of simulated time started.
    LongFault,
    /// An unclean leader election took acknowledged records from a partition.
    UncleanElection,
    /// The Kafka host lost its disk.
    KafkaDiskLoss,
    /// A service host was stopped through its shutdown (a deploy).
    GracefulStop,
    /// A graceful stop found the host's consumer group with delivered records not committed.
    StopMidBatch,
    /// A graceful stop landed while the host was still starting (waiting for a backend).
    StopDuringStartUp,
    /// A service host was stopped as one step of a rolling restart.
    RollingRestart,
    /// A service host's clock was stepped ahead or behind.
    ClockJump,
    /// A service host's clock ran fast or slow.
    ClockDrift,
    /// An operator's replay of a dead letter was published and recorded.
    OperatorReplayed,
    /// An operator discarded a dead letter.
    OperatorDiscarded,
    /// An operator's action was refused: another operator acted on the letter first.
    OperatorRefused,
    /// An operator's action failed on a backend (a replay whose publish did not get through).
    OperatorActionFailed,
    /// A host was stopped for a step of a mixed-version deploy.
    UpgradeStop,
    /// A consumer of the previous release, which ran under load, restarted on the current one.
    ReaderUpgraded,
    /// A writer restarted writing the newest schema once no previous release ran.
    WriterSwitched,
}

impl Signal {
    pub const ALL: [Signal; 42] = [
        Self::CrashService,
        Self::RestartInfra,
        Self::Partition,
        Self::PartitionOneWay,
        Self::Hold,
        Self::LatencySpike,
        Self::Rebalance,
        Self::DuplicateAppend,
        Self::AmbiguousCommit,
        Self::CrashBetweenPublishAndMark,
        Self::RedeliveredOrderCreated,
        Self::DuplicatePaymentEvent,
        Self::AmbiguousOrderCreation,
        Self::RebalanceMidBatch,
        Self::DeadLettered,
        Self::BatchCommit,
        Self::OversizedPoison,
        Self::PermanentFailure,
        Self::ForgedUnknownOrder,
        Self::ForgedContradiction,
        Self::ForgedWrongCausation,
        Self::ForgedDuplicate,
        Self::RedisLostWrites,
        Self::KafkaLostRecords,
        Self::PostgresPowerLoss,
        Self::BlackHole,
        Self::LongFault,
        Self::UncleanElection,
        Self::KafkaDiskLoss,
        Self::GracefulStop,
        Self::StopMidBatch,
        Self::StopDuringStartUp,
        Self::RollingRestart,
        Self::ClockJump,
        Self::ClockDrift,
        Self::OperatorReplayed,
        Self::OperatorDiscarded,
        Self::OperatorRefused,
        Self::OperatorActionFailed,
        Self::UpgradeStop,
        Self::ReaderUpgraded,
        Self::WriterSwitched,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::CrashService => "crash-service",
            Self::RestartInfra => "restart-infra",
            Self::Partition => "partition",
            Self::PartitionOneWay => "partition-one-way",
            Self::Hold => "hold-release",
            Self::LatencySpike => "latency-spike",
            Self::Rebalance => "forced-rebalance",
            Self::DuplicateAppend => "duplicate-append",
            Self::AmbiguousCommit => "ambiguous-commit",
            Self::CrashBetweenPublishAndMark => "crash-between-publish-and-mark",
            Self::RedeliveredOrderCreated => "redelivered-order-created",
            Self::DuplicatePaymentEvent => "duplicate-payment-event",
            Self::AmbiguousOrderCreation => "ambiguous-order-creation",
            Self::RebalanceMidBatch => "rebalance-mid-batch",
            Self::DeadLettered => "poison-record-dead-lettered",
            Self::BatchCommit => "batch-commit",
            Self::OversizedPoison => "oversized-poison-record",
            Self::PermanentFailure => "permanent-handling-failure",
            Self::ForgedUnknownOrder => "forged-payment-unknown-order",
            Self::ForgedContradiction => "forged-payment-contradiction",
            Self::ForgedWrongCausation => "forged-payment-wrong-causation",
            Self::ForgedDuplicate => "forged-payment-duplicate-new-id",
            Self::RedisLostWrites => "redis-lost-acknowledged-writes",
            Self::KafkaLostRecords => "kafka-lost-acknowledged-records",
            Self::PostgresPowerLoss => "postgres-power-loss-lost-nothing",
            Self::BlackHole => "black-hole-swallowed-request",
            Self::LongFault => "long-fault",
            Self::UncleanElection => "unclean-election-lost-acknowledged-records",
            Self::KafkaDiskLoss => "kafka-disk-lost",
            Self::GracefulStop => "graceful-stop",
            Self::StopMidBatch => "graceful-stop-mid-batch",
            Self::StopDuringStartUp => "graceful-stop-during-start-up",
            Self::RollingRestart => "rolling-restart-stop",
            Self::ClockJump => "clock-jump",
            Self::ClockDrift => "clock-drift",
            Self::OperatorReplayed => "operator-replayed",
            Self::OperatorDiscarded => "operator-discarded",
            Self::OperatorRefused => "operator-refused-second-action",
            Self::OperatorActionFailed => "operator-action-failed",
            Self::UpgradeStop => "mixed-version-deploy-stop",
            Self::ReaderUpgraded => "previous-release-reader-upgraded",
            Self::WriterSwitched => "writer-switched-to-newest-schema",
        }
    }
}

impl Signal {
    /// The fault class whose faults make this signal fire, for signals that need one class;
    /// `None` for interleavings any mix produces.
    pub fn class(self) -> Option<FaultClass> {
        Some(match self {
            Self::CrashService => FaultClass::Crash,
            Self::Partition => FaultClass::Partition,
            Self::PartitionOneWay => FaultClass::PartitionOneWay,
            Self::Hold => FaultClass::Hold,
            Self::LatencySpike => FaultClass::Latency,
            Self::Rebalance => FaultClass::Rebalance,
            Self::DuplicateAppend => FaultClass::DuplicateAppends,
            Self::AmbiguousCommit => FaultClass::AmbiguousCommits,
            Self::DeadLettered => FaultClass::Poison,
            Self::OversizedPoison => FaultClass::OversizedPoison,
            Self::PermanentFailure => FaultClass::Unprocessable,
            Self::ForgedUnknownOrder
            | Self::ForgedContradiction
            | Self::ForgedWrongCausation
            | Self::ForgedDuplicate => FaultClass::Forgery,
            Self::RedisLostWrites | Self::KafkaLostRecords | Self::PostgresPowerLoss => {
                FaultClass::PowerLoss
            }
            Self::BlackHole => FaultClass::BlackHole,
            Self::LongFault => FaultClass::LongFault,
            Self::UncleanElection => FaultClass::UncleanElection,
            Self::KafkaDiskLoss => FaultClass::DiskLoss,
            Self::GracefulStop | Self::StopMidBatch | Self::StopDuringStartUp => {
                FaultClass::GracefulStop
            }
            Self::RollingRestart => FaultClass::RollingRestart,
            Self::ClockJump => FaultClass::ClockJump,
            Self::ClockDrift => FaultClass::ClockDrift,
            Self::OperatorReplayed
            | Self::OperatorDiscarded
            | Self::OperatorRefused
            | Self::OperatorActionFailed => FaultClass::Operator,
            Self::UpgradeStop | Self::ReaderUpgraded | Self::WriterSwitched => {
                FaultClass::MixedVersions
            }
            _ => return None,
        })
    }
}

type Partition = (Topic, u32);

/// How far a group got in one partition.
#[derive(Debug, Default, Clone, Copy)]
struct Progress {
    /// One past the highest offset delivered.
    delivered_to: u64,
    /// One past the highest offset committed.
    committed_to: u64,
}

/// Counts per signal, and what is needed to recognise interleavings.
#[derive(Debug, Default, Clone)]
pub struct Coverage {
    counts: BTreeMap<Signal, u64>,
    events_at: BTreeMap<(Topic, u32, u64), EventId>,
    delivered: BTreeMap<String, BTreeSet<EventId>>,
    /// Per group and partition.
    in_flight: BTreeMap<(String, Partition), Progress>,
    payments: BTreeMap<OrderId, u32>,
    failed_keys: BTreeSet<String>,
    published_created: BTreeSet<EventId>,
}

impl Coverage {
    pub fn add(&mut self, signal: Signal) {
        *self.counts.entry(signal).or_default() += 1;
    }

    pub fn count(&self, signal: Signal) -> u64 {
        self.counts.get(&signal).copied().unwrap_or(0)
    }

    pub fn merge(&mut self, other: &Coverage) {
        for (signal, n) in &other.counts {
            *self.counts.entry(*signal).or_default() += n;
        }
    }

    /// Signals that never fired, of those `mix` can make fire.
    pub fn missing(&self, mix: &Mix) -> Vec<Signal> {
        Signal::ALL
            .into_iter()
            .filter(|s| s.class().is_none_or(|c| mix.contains(c)))
            .filter(|s| self.count(*s) == 0)
            .collect()
    }

    /// ORDER_CREATED event ids that reached Kafka.
    pub fn published_created(&self) -> &BTreeSet<EventId> {
        &self.published_created
    }

    fn progress(&mut self, group: &str, topic: Topic, partition: u32) -> &mut Progress {
        self.in_flight
            .entry((group.to_owned(), (topic, partition)))
            .or_default()
    }

    /// Whether `group` has records delivered and not yet committed.
    pub fn mid_batch(&self, group: &str) -> bool {
        self.in_flight
            .iter()
            .any(|((g, _), p)| g == group && p.delivered_to > p.committed_to)
    }

    pub fn observe(&mut self, event: &Event) {
        match event {
            Event::Appended {
                topic,
                partition,
                offset,
                event,
                order,
                duplicate,
                ..
            } => {
                if *duplicate {
                    self.add(Signal::DuplicateAppend);
                }
                if matches!(topic, Topic::OrdersDlq | Topic::PaymentsDlq) {
                    self.add(Signal::DeadLettered);
                }
                if let Some(id) = event {
                    self.events_at.insert((*topic, *partition, *offset), *id);
                    if *topic == Topic::Orders {
                        self.published_created.insert(*id);
                    }
                }
                if let (Topic::Payments, Some(order)) = (topic, order) {
                    let n = self.payments.entry(*order).or_default();
                    *n += 1;
                    if *n == 2 {
                        self.add(Signal::DuplicatePaymentEvent);
                    }
                }
            }
            Event::Delivered {
                group,
                topic,
                partition,
                offset,
                ..
            } => {
                let progress = self.progress(group, *topic, *partition);
                progress.delivered_to = progress.delivered_to.max(offset + 1);
                let Some(id) = self.events_at.get(&(*topic, *partition, *offset)).copied() else {
                    return;
                };
                let fresh = self.delivered.entry(group.clone()).or_default().insert(id);
                if !fresh && *topic == Topic::Orders {
                    self.add(Signal::RedeliveredOrderCreated);
                }
            }
            Event::Committed {
                group,
                topic,
                partition,
                offset,
                ..
            } => {
                let progress = self.progress(group, *topic, *partition);
                let covered = (offset + 1).saturating_sub(progress.committed_to);
                progress.committed_to = progress.committed_to.max(offset + 1);
                if covered > 1 {
                    self.add(Signal::BatchCommit);
                }
            }
            Event::Joined { group, .. }
            | Event::Left { group, .. }
            | Event::Rebalanced { group }
                if self.mid_batch(group) =>
            {
                self.add(Signal::RebalanceMidBatch);
            }
            Event::ReplyDropped { .. } => self.add(Signal::AmbiguousCommit),
            Event::Swallowed { .. } => self.add(Signal::BlackHole),
            Event::Refused { .. } => self.add(Signal::PermanentFailure),
            Event::DecisionsLost { sources } if !sources.is_empty() => {
                self.add(Signal::RedisLostWrites);
            }
            Event::RecordsLost { .. } => self.add(Signal::KafkaLostRecords),
            Event::PlaceFailed { key: Some(key), .. } => {
                self.failed_keys.insert(key.clone());
            }
            Event::Acknowledged {
                key: Some(key),
                replayed: true,
                ..
            } if self.failed_keys.contains(key.as_str()) => {
                self.add(Signal::AmbiguousOrderCreation);
            }
            _ => {}
        }
    }
}
