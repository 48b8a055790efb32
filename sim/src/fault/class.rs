//! Fault classes by name, and a mix: which classes a run plays. A seed draws every class's
//! faults whatever the mix, so the faults of a class fall at the same times in every mix that
//! contains it; the mix only leaves the others out.

use std::collections::BTreeSet;
use std::fmt;

use super::{ClockSkew, Fault, PoisonSize};

/// One class of fault, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultClass {
    Crash,
    PowerLoss,
    BlackHole,
    Partition,
    PartitionOneWay,
    Hold,
    Latency,
    Rebalance,
    DuplicateAppends,
    AmbiguousCommits,
    Poison,
    OversizedPoison,
    Unprocessable,
    Forgery,
    /// The one heavy-tailed fault some seeds add (a host that stays dead, a long partition or
    /// black hole); its class is this whatever its kind.
    LongFault,
    /// A replica outside the ISR becomes a partition's leader: the log loses its acknowledged
    /// tail while groups keep their commits (`replication.rs`).
    UncleanElection,
    /// The Kafka host loses its disk: every log and every commit.
    DiskLoss,
    /// A deploy: one service host stopped through its shutdown, then started again.
    GracefulStop,
    /// Every service host stopped gracefully and started again, one after another.
    RollingRestart,
    /// A service host's clock stepped ahead or behind (an offset from the start, or a jump).
    ClockJump,
    /// A service host's clock running fast or slow.
    ClockDrift,
    /// Operators replay and discard dead letters, alone, racing each other, or cut off.
    Operator,
    /// A mixed-version deploy: consumers of the previous release upgraded one by one under
    /// load, then the writers switched to the newest envelope schema.
    MixedVersions,
}

impl FaultClass {
    pub const ALL: [FaultClass; 23] = [
        Self::Crash,
        Self::PowerLoss,
        Self::BlackHole,
        Self::Partition,
        Self::PartitionOneWay,
        Self::Hold,
        Self::Latency,
        Self::Rebalance,
        Self::DuplicateAppends,
        Self::AmbiguousCommits,
        Self::Poison,
        Self::OversizedPoison,
        Self::Unprocessable,
        Self::Forgery,
        Self::LongFault,
        Self::UncleanElection,
        Self::DiskLoss,
        Self::GracefulStop,
        Self::RollingRestart,
        Self::ClockJump,
        Self::ClockDrift,
        Self::Operator,
        Self::MixedVersions,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Crash => "crash",
            Self::PowerLoss => "power-loss",
            Self::BlackHole => "black-hole",
            Self::Partition => "partition",
            Self::PartitionOneWay => "partition-one-way",
            Self::Hold => "hold",
            Self::Latency => "latency",
            Self::Rebalance => "rebalance",
            Self::DuplicateAppends => "duplicate-appends",
            Self::AmbiguousCommits => "ambiguous-commits",
            Self::Poison => "poison",
            Self::OversizedPoison => "oversized-poison",
            Self::Unprocessable => "unprocessable",
            Self::Forgery => "forgery",
            Self::LongFault => "long-fault",
            Self::UncleanElection => "unclean-election",
            Self::DiskLoss => "disk-loss",
            Self::GracefulStop => "graceful-stop",
            Self::RollingRestart => "rolling-restart",
            Self::ClockJump => "clock-jump",
            Self::ClockDrift => "clock-drift",
            Self::Operator => "operator",
            Self::MixedVersions => "mixed-versions",
        }
    }

    /// The class of a fault drawn as one of the seed's ordinary faults.
    pub fn of(fault: &Fault) -> FaultClass {
        match fault {
            Fault::Crash { .. } => Self::Crash,
            Fault::PowerLoss { .. } => Self::PowerLoss,
            Fault::BlackHole { .. } => Self::BlackHole,
            Fault::Partition { .. } => Self::Partition,
            Fault::PartitionOneWay { .. } => Self::PartitionOneWay,
            Fault::Hold { .. } => Self::Hold,
            Fault::LatencySpike { .. } => Self::Latency,
            Fault::Rebalance { .. } => Self::Rebalance,
            Fault::DuplicateAppends { .. } => Self::DuplicateAppends,
            Fault::AmbiguousCommits { .. } => Self::AmbiguousCommits,
            Fault::Poison {
                size: PoisonSize::Small,
                ..
            } => Self::Poison,
            Fault::Poison {
                size: PoisonSize::Oversized,
                ..
            } => Self::OversizedPoison,
            Fault::Unprocessable { .. } => Self::Unprocessable,
            Fault::Forge { .. } => Self::Forgery,
            Fault::UncleanElection { .. } => Self::UncleanElection,
            Fault::DiskLoss { .. } => Self::DiskLoss,
            Fault::GracefulStop { rolling: false, .. } => Self::GracefulStop,
            Fault::GracefulStop { rolling: true, .. } => Self::RollingRestart,
            Fault::ClockSkew {
                skew: ClockSkew::Jump { .. },
                ..
            } => Self::ClockJump,
            Fault::ClockSkew {
                skew: ClockSkew::Drift { .. },
                ..
            } => Self::ClockDrift,
            Fault::Operate { .. } => Self::Operator,
            Fault::Upgrade { .. } => Self::MixedVersions,
        }
    }

    /// The class called `name`.
    pub fn parse(name: &str) -> Option<FaultClass> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// Classes that the saga cannot survive yet: each makes the code violate a property (the
/// seeds are in `sim/FINDINGS.md`, and `tests/teeth.rs` keeps them failing) until a fix
/// lands. The default mix leaves them out, so the sweep and the mutant hunts judge what the
/// code claims to survive; `--faults all` plays them. Empty since the reliability work of
/// issue 9: power loss, oversized poison, unprocessable data and forgery all pass their seeds.
pub const AWAITING_FIXES: &[FaultClass] = &[];

/// Classes the production deployment rules out, played only on request (`--faults all`, or
/// naming them): a replicated cluster (replication factor 3, `min.insync.replicas=2`,
/// `acks=all`, `unclean.leader.election.enable=false`) never elects a replica outside the ISR,
/// and loses no acknowledged record to one broker's disk. The saga does not survive either
/// (`sim/FINDINGS.md`: the checker catches them), so the default mix, which judges what the
/// code claims to survive, leaves them out; `tests/replication.rs` keeps their catches.
pub const RULED_OUT_BY_REPLICATION: &[FaultClass] =
    &[FaultClass::UncleanElection, FaultClass::DiskLoss];

/// Which fault classes a run plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mix(BTreeSet<FaultClass>);

impl Mix {
    /// Every class.
    pub fn all() -> Self {
        Self(FaultClass::ALL.into_iter().collect())
    }

    /// Every class but those [`AWAITING_FIXES`] and those [`RULED_OUT_BY_REPLICATION`]: what
    /// runs by default.
    pub fn survivable() -> Self {
        Self::all()
            .without(AWAITING_FIXES)
            .without(RULED_OUT_BY_REPLICATION)
    }

    pub fn only(classes: impl IntoIterator<Item = FaultClass>) -> Self {
        Self(classes.into_iter().collect())
    }

    pub fn without(mut self, classes: &[FaultClass]) -> Self {
        for class in classes {
            self.0.remove(class);
        }
        self
    }

    pub fn contains(&self, class: FaultClass) -> bool {
        self.0.contains(&class)
    }

    pub fn is_all(&self) -> bool {
        self.0.len() == FaultClass::ALL.len()
    }

    /// `all`, or a comma-separated list of class names; `all,-NAME` leaves classes out.
    ///
    /// # Errors
    /// An unknown class name, listing the known ones.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut mix = Self::only([]);
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part == "all" {
                mix = Self::all();
                continue;
            }
            let (remove, name) = match part.strip_prefix('-') {
                Some(name) => (true, name),
                None => (false, part),
            };
            let class = FaultClass::parse(name).ok_or_else(|| {
                let names: Vec<_> = FaultClass::ALL.iter().map(|c| c.name()).collect();
                format!(
                    "unknown fault class {name:?}; one of all, {}",
                    names.join(", ")
                )
            })?;
            if remove {
                mix.0.remove(&class);
            } else {
                mix.0.insert(class);
            }
        }
        Ok(mix)
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("all");
        }
        let missing: Vec<&str> = FaultClass::ALL
            .into_iter()
            .filter(|c| !self.0.contains(c))
            .map(FaultClass::name)
            .collect();
        if missing.len() < self.0.len() {
            let without: Vec<String> = missing.iter().map(|n| format!("-{n}")).collect();
            return write!(f, "all,{}", without.join(","));
        }
        let names: Vec<&str> = self.0.iter().map(|c| c.name()).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixes_parse_and_print_back() {
        for text in [
            "all",
            "all,-forgery,-long-fault",
            "crash,poison",
            "unclean-election",
        ] {
            assert_eq!(Mix::parse(text).unwrap().to_string(), text);
        }
        assert!(Mix::parse("crash,meteor").unwrap_err().contains("meteor"));
    }

    #[test]
    fn the_default_mix_leaves_out_what_replication_rules_out() {
        let default = Mix::survivable();
        for class in RULED_OUT_BY_REPLICATION {
            assert!(!default.contains(*class), "{}", class.name());
            assert!(Mix::all().contains(*class));
        }
        assert_eq!(default.to_string(), "all,-unclean-election,-disk-loss");
    }
}
