//! How many copies of each record the saga needs, and the start-up check that the topics have
//! them. `acks=all` means "every in-sync replica": with one replica, or with
//! `min.insync.replicas=1`, an acknowledged event lives on one disk, and losing that broker
//! loses it. So replication is configuration (`KAFKA_REPLICATION_FACTOR`,
//! `KAFKA_MIN_INSYNC_REPLICAS`), topics are created with it, and a topic that has fewer copies,
//! a lower minimum or unclean leader election on is a misconfiguration the component refuses
//! to start on.

use std::fmt;

use crate::config::ConnectError;

/// `KAFKA_REPLICATION_FACTOR` and `KAFKA_MIN_INSYNC_REPLICAS`; `None` is the default, which
/// follows the cluster (see [`Replication::resolve`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Replication {
    pub factor: Option<i32>,
    pub min_insync: Option<i32>,
}

/// What the topics must have on this cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Required {
    pub factor: i32,
    pub min_insync: i32,
}

/// What a broker says about one existing topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicFacts {
    pub name: String,
    /// The fewest replicas any of its partitions has.
    pub factor: i32,
    pub min_insync: i32,
    pub unclean_leader_election: bool,
}

pub const FACTOR_VAR: &str = "KAFKA_REPLICATION_FACTOR";
pub const MIN_INSYNC_VAR: &str = "KAFKA_MIN_INSYNC_REPLICAS";

impl Replication {
    /// What the topics need on a cluster of `brokers`: the configured values, else three copies
    /// (the broker count when there are fewer) with all but one of them in sync (at least one).
    ///
    /// # Errors
    /// [`ConnectError::Config`] naming the variable when the factor exceeds the brokers, the
    /// minimum exceeds the factor, or either is below 1.
    pub fn resolve(self, brokers: usize) -> Result<Required, ConnectError> {
        let brokers = i32::try_from(brokers).unwrap_or(i32::MAX);
        let factor = self.factor.unwrap_or(brokers.clamp(1, 3));
        let min_insync = self.min_insync.unwrap_or((factor - 1).max(1));
        let refuse = |var, reason: String| Err(ConnectError::Config { var, reason });
        if factor < 1 {
            return refuse(FACTOR_VAR, format!("must be at least 1, got {factor}"));
        }
        if factor > brokers {
            return refuse(
                FACTOR_VAR,
                format!("{factor} copies asked for, but the cluster has {brokers} broker(s)"),
            );
        }
        if min_insync < 1 || min_insync > factor {
            return refuse(
                MIN_INSYNC_VAR,
                format!("must be between 1 and the replication factor {factor}, got {min_insync}"),
            );
        }
        Ok(Required { factor, min_insync })
    }
}

impl Required {
    /// Refuses the first topic that does not meet what is required, naming it and the variable
    /// (or the broker setting) that it contradicts.
    ///
    /// # Errors
    /// [`ConnectError::Config`] for too few replicas or too low a minimum;
    /// [`ConnectError::Replication`] for unclean leader election.
    pub fn check(&self, topics: &[TopicFacts]) -> Result<(), ConnectError> {
        for topic in topics {
            if topic.factor < self.factor {
                return Err(ConnectError::Config {
                    var: FACTOR_VAR,
                    reason: format!(
                        "topic {} has replication factor {}, below the {} required; recreate it \
                         or lower {FACTOR_VAR}",
                        topic.name, topic.factor, self.factor
                    ),
                });
            }
            if topic.min_insync < self.min_insync {
                return Err(ConnectError::Config {
                    var: MIN_INSYNC_VAR,
                    reason: format!(
                        "topic {} has min.insync.replicas={}, below the {} required; raise it \
                         (kafka-configs --alter) or lower {MIN_INSYNC_VAR}",
                        topic.name, topic.min_insync, self.min_insync
                    ),
                });
            }
            if topic.unclean_leader_election && self.factor > 1 {
                return Err(ConnectError::Replication {
                    topic: topic.name.clone(),
                    reason: "unclean.leader.election.enable=true lets a replica that missed \
                             acknowledged events become leader and drop them; set it to false"
                        .into(),
                });
            }
        }
        Ok(())
    }
}

impl fmt::Display for Required {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "replication factor {}, min.insync.replicas {}",
            self.factor, self.min_insync
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(name: &str, factor: i32, min_insync: i32) -> TopicFacts {
        TopicFacts {
            name: name.into(),
            factor,
            min_insync,
            unclean_leader_election: false,
        }
    }

    fn var_of(error: ConnectError) -> &'static str {
        match error {
            ConnectError::Config { var, .. } => var,
            other => panic!("not a configuration error: {other}"),
        }
    }

    #[test]
    fn the_default_follows_the_cluster() {
        let default = Replication::default();
        let single = Required {
            factor: 1,
            min_insync: 1,
        };
        assert_eq!(default.resolve(1).unwrap(), single);
        assert_eq!(default.resolve(2).unwrap().factor, 2);
        let three = Required {
            factor: 3,
            min_insync: 2,
        };
        assert_eq!(default.resolve(3).unwrap(), three);
        assert_eq!(default.resolve(5).unwrap(), three);
    }

    #[test]
    fn more_copies_than_brokers_is_refused_naming_the_variable() {
        let three = Replication {
            factor: Some(3),
            min_insync: None,
        };
        let error = three.resolve(1).unwrap_err();
        assert!(error.to_string().contains("1 broker"), "{error}");
        assert_eq!(var_of(error), FACTOR_VAR);
        let too_strict = Replication {
            factor: Some(3),
            min_insync: Some(4),
        };
        assert_eq!(var_of(too_strict.resolve(3).unwrap_err()), MIN_INSYNC_VAR);
    }

    #[test]
    fn a_topic_with_fewer_copies_is_refused_naming_topic_and_variable() {
        let required = Replication::default().resolve(3).unwrap();
        let error = required
            .check(&[topic("orders", 3, 2), topic("payments", 1, 1)])
            .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("payments") && text.contains(FACTOR_VAR),
            "{text}"
        );
        let low_minimum = required.check(&[topic("orders", 3, 1)]).unwrap_err();
        assert!(low_minimum.to_string().contains("orders"));
        assert_eq!(var_of(low_minimum), MIN_INSYNC_VAR);
    }

    #[test]
    fn unclean_leader_election_is_refused_on_a_replicated_topic() {
        let required = Replication::default().resolve(3).unwrap();
        let mut unclean = topic("orders", 3, 2);
        unclean.unclean_leader_election = true;
        let error = required.check(&[unclean]).unwrap_err();
        assert!(error.to_string().contains("unclean.leader.election.enable"));
        assert!(required.check(&[topic("orders", 3, 2)]).is_ok());
    }
}
