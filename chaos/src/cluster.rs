//! Faults on the nodes of a replicated Kafka cluster: a node SIGKILLed, stopped, wiped or cut
//! off from its peers, and brought back. The victim is named in the timeline either by its id
//! or by its role — the leader of a partition, the active controller — which is looked up when
//! the step comes, so the same timeline hits whichever node holds that role in this run.

use std::collections::BTreeSet;
use std::fmt;

use saga_core::Topic;

use crate::deployment::Deployment;
use crate::error::ChaosError;
use crate::stack::StackScript;
use crate::stack::nodes::peer_proxies;
use crate::timeline::FaultKind;
use crate::toxiproxy::Toxiproxy;

/// What is done to the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeOp {
    /// SIGKILL, held down until a `Start`.
    Kill,
    /// SIGTERM (a deploy's restart: leaderships handed over first), held down until a `Start`.
    Stop,
    /// SIGKILL and its data directory deleted: on `Start` it re-replicates from its peers.
    Wipe,
    Start,
    /// Its peer proxies disabled: no peer reaches it (replication from it, the quorum), while
    /// it still reaches them and clients still reach it.
    Isolate,
    Rejoin,
}

/// Which node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodePick {
    Node(u8),
    /// The node leading this partition of the run's topic when the step comes.
    LeaderOf(Topic, i32),
    /// The active controller (the KRaft quorum's leader) when the step comes.
    Controller,
    /// The node the previous node step picked.
    Same,
}

/// One step on one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeAction {
    pub op: NodeOp,
    pub pick: NodePick,
}

/// What the node steps so far did: the last node picked, and the nodes left down.
#[derive(Debug, Default)]
pub struct NodeState {
    pub last: Option<u8>,
    pub down: BTreeSet<u8>,
}

impl NodeAction {
    pub fn new(op: NodeOp, pick: NodePick) -> Self {
        Self { op, pick }
    }

    /// The fault it injects, if it injects one.
    pub fn fault(&self) -> Option<FaultKind> {
        match self.op {
            NodeOp::Kill => Some(FaultKind::NodeKill),
            NodeOp::Stop => Some(FaultKind::NodeStop),
            NodeOp::Wipe => Some(FaultKind::NodeWipe),
            NodeOp::Isolate => Some(FaultKind::NodeIsolation),
            NodeOp::Start | NodeOp::Rejoin => None,
        }
    }

    /// Carries the step out and says which node it hit.
    ///
    /// # Errors
    /// When the node cannot be found or the stack script, Toxiproxy or the file system fails.
    pub async fn perform(
        &self,
        script: &StackScript,
        toxiproxy: &Toxiproxy,
        deployment: &Deployment,
        state: &mut NodeState,
    ) -> Result<String, ChaosError> {
        let node = self.resolve(script, deployment, state).await?;
        state.last = Some(node);
        match self.op {
            NodeOp::Kill => script.kill_node(node).await?,
            NodeOp::Stop => script.stop_node(node).await?,
            NodeOp::Wipe => {
                script.kill_node(node).await?;
                script.wipe_node(node)?;
            }
            NodeOp::Start => script.start_node(node).await?,
            NodeOp::Isolate | NodeOp::Rejoin => {
                let enabled = self.op == NodeOp::Rejoin;
                for proxy in peer_proxies(node) {
                    toxiproxy.set_enabled(&proxy, enabled).await?;
                }
            }
        }
        match self.op {
            NodeOp::Kill | NodeOp::Stop | NodeOp::Wipe => state.down.insert(node),
            NodeOp::Start => state.down.remove(&node),
            NodeOp::Isolate | NodeOp::Rejoin => false,
        };
        Ok(format!("node {node}"))
    }

    async fn resolve(
        &self,
        script: &StackScript,
        deployment: &Deployment,
        state: &NodeState,
    ) -> Result<u8, ChaosError> {
        let node = match self.pick {
            NodePick::Node(node) => i32::from(node),
            NodePick::Same => {
                return state
                    .last
                    .ok_or_else(|| ChaosError::backend("kafka", "no node was picked before"));
            }
            NodePick::Controller => return Ok(script.controller().await?),
            NodePick::LeaderOf(topic, partition) => leader_of(deployment, topic, partition).await?,
        };
        u8::try_from(node).map_err(|_| ChaosError::backend("kafka", format!("no node {node}")))
    }
}

/// The node leading `partition` of the deployment's `topic`.
async fn leader_of(
    deployment: &Deployment,
    topic: Topic,
    partition: i32,
) -> Result<i32, ChaosError> {
    let config = saga_kafka::KafkaConfig::new(&deployment.endpoints.kafka_direct);
    let name = format!("{}{}", deployment.prefix, topic.as_str());
    let (_, partitions) = saga_kafka::describe_partitions(&config)
        .await
        .map_err(|e| ChaosError::backend("kafka", e))?;
    partitions
        .into_iter()
        .find(|p| p.topic == name && p.partition == partition && p.leader >= 0)
        .map(|p| p.leader)
        .ok_or_else(|| ChaosError::backend("kafka", format!("{name}-{partition} has no leader")))
}

impl fmt::Display for NodePick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Node(node) => write!(f, "kafka node {node}"),
            Self::LeaderOf(topic, partition) => {
                write!(f, "the kafka node leading {topic}-{partition}")
            }
            Self::Controller => write!(f, "the active kafka controller"),
            Self::Same => write!(f, "that kafka node"),
        }
    }
}

impl fmt::Display for NodeAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pick = self.pick;
        match self.op {
            NodeOp::Kill => write!(f, "SIGKILL {pick}"),
            NodeOp::Stop => write!(f, "stop {pick} (SIGTERM)"),
            NodeOp::Wipe => write!(f, "SIGKILL {pick} and delete its data"),
            NodeOp::Start => write!(f, "start {pick}"),
            NodeOp::Isolate => write!(f, "cut {pick} off from its peers"),
            NodeOp::Rejoin => write!(f, "reconnect {pick} to its peers"),
        }
    }
}
