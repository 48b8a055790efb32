//! How many copies of each record the saga needs, and the start-up check that the topics have
//! them. `acks=all` means "every in-sync replica": with one replica, or with
//! `min.insync.replicas=1`, an acknowledged event lives on one disk, and losing that broker
//! loses it. So replication is configuration (`KAFKA_REPLICATION_FACTOR`,
//! `KAFKA_MIN_INSYNC_REPLICAS`), topics are created with it, and a topic that has fewer copies,
//! a lower minimum or unclean leader election on is a misconfiguration the component refuses
//! to start on.

use std::fmt;

use crate::config::ConnectError;

/// `KAFKA_REPLICATION_FACTOR` and `KAFKA_MIN_INSYNC_REPLICAS`; `None` is the default, the
/// cluster's own (see [`Replication::resolve`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Replication {
    pub factor: Option<i32>,
    pub min_insync: Option<i32>,
}

/// What the topics must have on this cluster (also what a broker's own
/// `default.replication.factor` and `min.insync.replicas` say).
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
    /// What the topics need: the configured values, else the cluster's own defaults
    /// (`cluster`: a broker's `default.replication.factor` and `min.insync.replicas`). Not the
    /// number of brokers that answer: during an outage that is fewer than the cluster has.
    ///
    /// # Errors
    /// [`ConnectError::Config`] naming the variable when the factor is below 1, or the
    /// minimum is below 1 or above the factor.
    pub fn resolve(self, cluster: Required) -> Result<Required, ConnectError> {
        let factor = self.factor.unwrap_or(cluster.factor);
        let min_insync = self.min_insync.unwrap_or(cluster.min_insync.min(factor));
        let refuse = |var, reason: String| Err(ConnectError::Config { var, reason });
        if factor < 1 {
            return refuse(FACTOR_VAR, format!("must be at least 1, got {factor}"));
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

    const CLUSTER: Required = Required {
        factor: 3,
        min_insync: 2,
    };

    #[test]
    fn the_default_is_the_clusters_own() {
        assert_eq!(Replication::default().resolve(CLUSTER).unwrap(), CLUSTER);
        let single = Required {
            factor: 1,
            min_insync: 1,
        };
        assert_eq!(Replication::default().resolve(single).unwrap(), single);
        let two = Replication {
            factor: Some(2),
            min_insync: None,
        };
        assert_eq!(two.resolve(CLUSTER).unwrap().min_insync, 2);
    }

    #[test]
    fn an_impossible_minimum_is_refused_naming_the_variable() {
        let too_strict = Replication {
            factor: Some(3),
            min_insync: Some(4),
        };
        assert_eq!(
            var_of(too_strict.resolve(CLUSTER).unwrap_err()),
            MIN_INSYNC_VAR
        );
        let none = Replication {
            factor: Some(0),
            min_insync: None,
        };
        assert_eq!(var_of(none.resolve(CLUSTER).unwrap_err()), FACTOR_VAR);
    }

    #[test]
    fn a_topic_with_fewer_copies_is_refused_naming_topic_and_variable() {
        let required = Replication::default().resolve(CLUSTER).unwrap();
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
        let required = Replication::default().resolve(CLUSTER).unwrap();
        let mut unclean = topic("orders", 3, 2);
        unclean.unclean_leader_election = true;
        let error = required.check(&[unclean]).unwrap_err();
        assert!(error.to_string().contains("unclean.leader.election.enable"));
        assert!(required.check(&[topic("orders", 3, 2)]).is_ok());
    }
}
