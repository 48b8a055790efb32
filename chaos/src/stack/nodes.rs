//! The nodes of a replicated Kafka cluster (a stack with `SAGA_KAFKA_NODES=3`): which node leads
//! a partition or the controller quorum, and one node stopped, SIGKILLed, wiped or started
//! alone, through `scripts/stack` (services `kafka-1` … `kafka-3`).

use super::script::{StackError, StackScript};

/// How many nodes a cluster stack runs.
pub const NODES: u8 = 3;

/// One node's service name in `scripts/stack`, and its proxies' prefix in Toxiproxy.
pub fn service(node: u8) -> String {
    format!("kafka-{node}")
}

/// The Toxiproxy proxies that carry the node's peer traffic (replication, the quorum): with
/// both disabled, no peer reaches the node.
pub fn peer_proxies(node: u8) -> [String; 2] {
    [
        format!("kafka-{node}-broker"),
        format!("kafka-{node}-controller"),
    ]
}

impl StackScript {
    /// SIGKILLs one node (no shutdown, no flush); [`Self::start_node`] brings it back.
    ///
    /// # Errors
    /// As [`StackScript::run`].
    pub async fn kill_node(&self, node: u8) -> Result<(), StackError> {
        self.run(&["kill", &service(node)]).await.map(drop)
    }

    /// Stops one node gracefully (SIGTERM: it hands its leaderships over first).
    ///
    /// # Errors
    /// As [`StackScript::run`].
    pub async fn stop_node(&self, node: u8) -> Result<(), StackError> {
        self.run(&["down", &service(node)]).await.map(drop)
    }

    /// Starts one node and waits until it has rejoined.
    ///
    /// # Errors
    /// As [`StackScript::run`].
    pub async fn start_node(&self, node: u8) -> Result<(), StackError> {
        self.run(&["up", &service(node)]).await.map(drop)
    }

    /// Deletes a stopped node's whole data directory: on its next start it is formatted again
    /// with the cluster's id and copies every partition back from its peers.
    ///
    /// # Errors
    /// [`StackError::Failed`] when the directory cannot be removed.
    pub fn wipe_node(&self, node: u8) -> Result<(), StackError> {
        let dir = self.data_dir().join(service(node));
        std::fs::remove_dir_all(&dir).map_err(|e| StackError::Failed {
            args: format!("wipe {}", dir.display()),
            status: "not run".into(),
            stderr: e.to_string(),
        })
    }

    /// The node id of the active controller (the KRaft quorum's leader).
    ///
    /// # Errors
    /// As [`StackScript::run`], or when it prints no node id.
    pub async fn controller(&self) -> Result<u8, StackError> {
        let out = self.run(&["controller"]).await?;
        out.trim().parse().map_err(|_| StackError::Failed {
            args: "controller".into(),
            status: "no node id".into(),
            stderr: out,
        })
    }
}
