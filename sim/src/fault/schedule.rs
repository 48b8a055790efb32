//! The schedule as a value: what goes wrong, when, and for how long.

use std::fmt;
use std::time::Duration;

/// One fault. Links name both ends; one-way partitions drop only `from -> to`.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Kill the host; restart it after `down` (services lose everything, backends keep their
    /// durable state and lose their sessions).
    Crash { host: &'static str, down: Duration },
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
    /// The backend applies writes but drops some answers: the client cannot tell.
    /// A producer outside the saga appends a record that is not a valid event: the consumers
    /// must dead-letter it and move on.
    Poison { topic: saga_core::Topic },
    AmbiguousCommits {
        host: &'static str,
        rate: f64,
        lasts: Duration,
    },
}

impl Fault {
    /// How long the fault lasts; `None` for instantaneous ones.
    pub fn lasts(&self) -> Option<Duration> {
        match self {
            Self::Crash { down, .. } => Some(*down),
            Self::Partition { lasts, .. }
            | Self::PartitionOneWay { lasts, .. }
            | Self::Hold { lasts, .. }
            | Self::LatencySpike { lasts, .. }
            | Self::DuplicateAppends { lasts }
            | Self::AmbiguousCommits { lasts, .. } => Some(*lasts),
            Self::Rebalance { .. } | Self::Poison { .. } => None,
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
            Self::Crash { host, .. } => format!("host {host}"),
            Self::Partition { a, b, .. }
            | Self::Hold { a, b, .. }
            | Self::LatencySpike { a, b, .. } => link(a, b),
            Self::PartitionOneWay { from, to, .. } => link(from, to),
            Self::Rebalance { group } => format!("group {group}"),
            Self::DuplicateAppends { .. } => "duplicates".into(),
            Self::AmbiguousCommits { host, .. } => format!("ambiguous {host}"),
            Self::Poison { topic } => format!("poison {topic}"),
        }
    }
}

fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Crash { host, down } => write!(f, "crash {host}, restart after {}", secs(*down)),
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
            Self::Poison { topic } => write!(f, "append an invalid record to {topic}"),
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
