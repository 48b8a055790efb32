//! The schedule as a value: what goes wrong, when, and for how long.

use std::fmt;
use std::time::Duration;

pub use saga_faults::plan::ClockSkew;
pub use saga_faults::{Forgery, OperatorAct, PoisonSize, Unprocessable};

use super::upgrade::UpgradeStep;

/// One fault. Links name both ends; one-way partitions drop only `from -> to`.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Kill the host; restart it after `down` (services lose everything, backends keep their
    /// durable state and lose their sessions).
    Crash { host: &'static str, down: Duration },
    /// The host loses power: as a crash, and a backend also loses what it acknowledged but had
    /// not yet made durable — Redis (`appendfsync everysec`) the writes since its last fsync
    /// on a whole second, Kafka (one replica, no fsync) every partition's records and commits
    /// of the last `unflushed`; PostgreSQL (fsync on commit) nothing.
    PowerLoss {
        host: &'static str,
        down: Duration,
        unflushed: Duration,
    },
    Partition {
        a: &'static str,
        b: &'static str,
        lasts: Duration,
    },
    PartitionOneWay {
        from: &'static str,
        to: &'static str,
        lasts: Duration,
    },
    /// Hold every segment on the link, then deliver them all at once.
    Hold {
        a: &'static str,
        b: &'static str,
        lasts: Duration,
    },
    /// The backend accepts connections and reads requests but answers none and closes
    /// nothing, as behind a Toxiproxy `timeout` toxic of 0: what it read is lost.
    BlackHole { host: &'static str, lasts: Duration },
    LatencySpike {
        a: &'static str,
        b: &'static str,
        latency: Duration,
        lasts: Duration,
    },
    /// Force a consumer-group rebalance: every member rewinds to the last commit.
    Rebalance { group: &'static str },
    /// Kafka appends every publish twice, as a producer retrying an unacknowledged send does.
    DuplicateAppends { lasts: Duration },
    /// A producer outside the saga appends a record that is not a valid event: the consumers
    /// must dead-letter it and move on.
    Poison {
        topic: saga_core::Topic,
        size: PoisonSize,
    },
    /// One order's handling fails permanently from now on.
    Unprocessable { what: Unprocessable },
    /// A valid but forged payment event appears on `payments`.
    Forge { forgery: Forgery },
    /// The backend applies writes but drops some answers: the client cannot tell.
    AmbiguousCommits {
        host: &'static str,
        rate: f64,
        lasts: Duration,
    },
    /// A replica outside the ISR becomes the partition's leader: the log loses its last
    /// `records` acknowledged records (all it has, if fewer) while every group keeps its
    /// committed offset, and later appends reuse the lost offsets (`replication.rs`).
    UncleanElection {
        topic: saga_core::Topic,
        partition: u32,
        records: u64,
    },
    /// As a crash, and the host's disk is gone: Kafka comes back with empty logs and no
    /// committed offsets (one replica: nothing to re-replicate from).
    DiskLoss { host: &'static str, down: Duration },
    /// A deploy of a service host: its shutdown resolves (as SIGTERM does on the real stack),
    /// it drains and stops by itself, and after `down` it starts again; one still draining
    /// then is killed first, as an orchestrator does when the grace period runs out.
    /// `rolling`: one step of a rolling restart of every service host.
    GracefulStop {
        host: &'static str,
        down: Duration,
        rolling: bool,
    },
    /// A service host's wall clock goes wrong for `lasts`, then is set right again, as NTP
    /// steps a clock back: only what the host reads through its clock port moves, never its
    /// timers (`world::Skews`).
    ClockSkew {
        host: &'static str,
        skew: ClockSkew,
        lasts: Duration,
    },
    /// Operators act on a dead letter; `lasts` bounds how long an operator's cut link stays cut.
    Operate { act: OperatorAct, lasts: Duration },
    /// One restart of a mixed-version deploy (`upgrade.rs`): stopped gracefully, and after
    /// `down` started on its new release.
    Upgrade {
        host: &'static str,
        down: Duration,
        step: UpgradeStep,
    },
}

impl Fault {
    /// How long the fault lasts; `None` for instantaneous ones.
    pub fn lasts(&self) -> Option<Duration> {
        match self {
            Self::Crash { down, .. }
            | Self::PowerLoss { down, .. }
            | Self::DiskLoss { down, .. }
            | Self::GracefulStop { down, .. }
            | Self::Upgrade { down, .. } => Some(*down),
            Self::ClockSkew { lasts, .. }
            | Self::Operate { lasts, .. }
            | Self::Partition { lasts, .. }
            | Self::BlackHole { lasts, .. }
            | Self::PartitionOneWay { lasts, .. }
            | Self::Hold { lasts, .. }
            | Self::LatencySpike { lasts, .. }
            | Self::DuplicateAppends { lasts }
            | Self::AmbiguousCommits { lasts, .. } => Some(*lasts),
            Self::Rebalance { .. }
            | Self::Poison { .. }
            | Self::Unprocessable { .. }
            | Self::Forge { .. }
            | Self::UncleanElection { .. } => None,
        }
    }

    /// What the fault occupies; two faults on the same resource never overlap.
    pub fn resource(&self) -> String {
        let link = |a: &str, b: &str| {
            if a < b {
                format!("{a}|{b}")
            } else {
                format!("{b}|{a}")
            }
        };
        match self {
            Self::Crash { host, .. }
            | Self::PowerLoss { host, .. }
            | Self::DiskLoss { host, .. }
            | Self::GracefulStop { host, .. }
            | Self::Upgrade { host, .. } => {
                format!("host {host}")
            }
            Self::BlackHole { host, .. } => format!("black hole {host}"),
            Self::ClockSkew { host, .. } => format!("clock {host}"),
            Self::Operate { .. } => "operators".into(),
            Self::Partition { a, b, .. }
            | Self::Hold { a, b, .. }
            | Self::LatencySpike { a, b, .. } => link(a, b),
            Self::PartitionOneWay { from, to, .. } => link(from, to),
            Self::Rebalance { group } => format!("group {group}"),
            Self::DuplicateAppends { .. } => "duplicates".into(),
            Self::AmbiguousCommits { host, .. } => format!("ambiguous {host}"),
            Self::Poison { topic, .. } => format!("poison {topic}"),
            Self::Unprocessable { what } => format!("unprocessable {what:?}"),
            Self::Forge { forgery } => format!("forge {forgery:?}"),
            Self::UncleanElection {
                topic, partition, ..
            } => format!("leader {topic}/{partition}"),
        }
    }
}

fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

fn secs_i(ms: i64) -> String {
    secs(Duration::from_millis(ms.unsigned_abs()))
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Crash { host, down } => write!(f, "crash {host}, restart after {}", secs(*down)),
            Self::PowerLoss {
                host,
                down,
                unflushed,
            } => {
                let loses = match *host {
                    crate::world::KAFKA => format!("loses the last {} unflushed", secs(*unflushed)),
                    crate::world::REDIS => "loses the writes since its last fsync".into(),
                    _ => "fsyncs on commit: loses nothing".into(),
                };
                write!(
                    f,
                    "power loss of {host} ({loses}), restart after {}",
                    secs(*down)
                )
            }
            Self::BlackHole { host, lasts } => {
                write!(f, "{host} swallows every request for {}", secs(*lasts))
            }
            Self::Partition { a, b, lasts } => {
                write!(f, "partition {a} <-> {b} for {}", secs(*lasts))
            }
            Self::PartitionOneWay { from, to, lasts } => {
                write!(f, "partition {from} -> {to} (one way) for {}", secs(*lasts))
            }
            Self::Hold { a, b, lasts } => {
                write!(f, "hold {a} <-> {b} for {}, then release", secs(*lasts))
            }
            Self::LatencySpike {
                a,
                b,
                latency,
                lasts,
            } => {
                write!(
                    f,
                    "latency {} on {a} <-> {b} for {}",
                    secs(*latency),
                    secs(*lasts)
                )
            }
            Self::Rebalance { group } => write!(f, "rebalance consumer group {group}"),
            Self::DuplicateAppends { lasts } => {
                write!(f, "kafka appends every publish twice for {}", secs(*lasts))
            }
            Self::Poison {
                topic,
                size: PoisonSize::Small,
            } => write!(f, "append an invalid record to {topic}"),
            Self::Poison {
                topic,
                size: PoisonSize::Oversized,
            } => write!(
                f,
                "append an invalid record to {topic} too large for its rejection to fit"
            ),
            Self::Unprocessable {
                what: Unprocessable::Decision,
            } => write!(f, "corrupt the stored decision of an undecided order"),
            Self::Unprocessable {
                what: Unprocessable::Payment,
            } => write!(f, "make PostgreSQL refuse a pending order's payment"),
            Self::Forge { forgery } => write!(f, "forge a {}", forgery.name()),
            Self::UncleanElection {
                topic,
                partition,
                records,
            } => write!(
                f,
                "unclean election on {topic}/{partition}: the new leader lacks the last {records} \
                 records, groups keep their commits"
            ),
            Self::DiskLoss { host, down } => write!(
                f,
                "{host} loses its disk (every log and commit), restart after {}",
                secs(*down)
            ),
            Self::GracefulStop {
                host,
                down,
                rolling,
            } => write!(
                f,
                "{}stop {host} gracefully, start it after {}",
                if *rolling { "rolling restart: " } else { "" },
                secs(*down)
            ),
            Self::ClockSkew { host, skew, lasts } => {
                let how = match skew {
                    ClockSkew::Jump { ms } if *ms >= 0 => format!("jumps {} ahead", secs_i(*ms)),
                    ClockSkew::Jump { ms } => format!("jumps {} behind", secs_i(-ms)),
                    ClockSkew::Drift { per_mille } => format!("runs {per_mille:+} per mille"),
                };
                write!(
                    f,
                    "{host}'s clock {how} for {}, then is set right",
                    secs(*lasts)
                )
            }
            Self::Operate { act, .. } => f.write_str(act.describe()),
            Self::Upgrade {
                host,
                down,
                step: UpgradeStep::Reader,
            } => write!(
                f,
                "mixed-version deploy: stop {host} (previous release, reads schema 1), start it \
                 on the current one after {}",
                secs(*down)
            ),
            Self::Upgrade {
                host,
                down,
                step: UpgradeStep::Writer,
            } => write!(
                f,
                "mixed-version deploy: stop {host}, start it writing schema 2 after {}",
                secs(*down)
            ),
            Self::AmbiguousCommits { host, rate, lasts } => write!(
                f,
                "{host} drops {:.0}% of write acknowledgements for {}",
                rate * 100.0,
                secs(*lasts)
            ),
        }
    }
}

/// A fault and when it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedFault {
    /// Position in the seed's full schedule: what `--keep` names and what the trace prints.
    pub id: usize,
    pub at: Duration,
    pub fault: Fault,
}

/// Every fault of one run, in start order, and when the fault phase ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Second instances this seed runs (part of the seed's topology, never shrunk away).
    pub replicas: Vec<&'static str>,
    pub faults: Vec<TimedFault>,
    /// How long the workload spreads its orders over (the heal comes later when a long fault
    /// is still running).
    pub load_for: Duration,
    /// Heal: every fault still active is undone, crashed hosts restart.
    pub heal_at: Duration,
}

impl Schedule {
    /// Every host that can crash in this run: services, their replicas, the backends.
    pub fn hosts(&self) -> Vec<&'static str> {
        let mut hosts = crate::world::service_hosts().to_vec();
        hosts.extend(&self.replicas);
        hosts.extend(crate::world::INFRA);
        hosts
    }

    /// Only the faults whose indices are in `keep` (the shrinker's view of a schedule).
    pub fn keep(&self, keep: &[usize]) -> Schedule {
        let faults = self
            .faults
            .iter()
            .filter(|f| keep.contains(&f.id))
            .cloned()
            .collect();
        Schedule {
            replicas: self.replicas.clone(),
            faults,
            load_for: self.load_for,
            heal_at: self.heal_at,
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "fault schedule: {} faults, heal at {}",
            self.faults.len(),
            secs(self.heal_at)
        )?;
        if !self.replicas.is_empty() {
            writeln!(f, "  second instances: {}", self.replicas.join(", "))?;
        }
        for t in &self.faults {
            writeln!(f, "  #{:<3} at {:>8}  {}", t.id, secs(t.at), t.fault)?;
        }
        Ok(())
    }
}
