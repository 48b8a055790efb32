//! Opening the stack in one of three ways, checking that every part answers, and restarting
//! a backend. A private stack this process started is stopped again when the handle drops.

use std::path::PathBuf;

use crate::toxiproxy::Toxiproxy;

use super::Endpoints;
use super::script::{StackError, StackScript};

/// Which stack to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StackMode {
    /// A native stack of the runner's own (own data directory, ports from
    /// `CHAOS_STACK_PORT_BASE`, default 25430), so faults and restarts disturb no one else.
    Private,
    /// The shared native stack: `scripts/stack up`, then restarts through it.
    Native,
    /// A private native stack whose Kafka is a replicated three-node cluster
    /// (`SAGA_KAFKA_NODES=3`; ports from `CHAOS_CLUSTER_PORT_BASE`, default 25500): the
    /// stack of the `cluster-*` scenarios.
    Cluster,
    /// Whatever the environment names (`scripts/stack env` variables, e.g. compose's):
    /// nothing is started, and backend restarts are skipped.
    Attach,
}

/// The stack a run uses.
pub struct Stack {
    pub endpoints: Endpoints,
    /// How to stop and start backends; `None` when attached to a stack the runner cannot
    /// control.
    pub script: Option<StackScript>,
    /// Stop the stack on drop (a private stack this process started).
    owned: bool,
    /// Kafka is a cluster of [`super::nodes::NODES`] nodes.
    pub cluster: bool,
}

/// The variables that move a second native stack onto its own ports and data directory
/// (`cluster`: with a three-node Kafka, on ports and in a directory of its own again).
fn private_env(cluster: bool) -> Vec<(String, String)> {
    let (variable, default) = if cluster {
        ("CHAOS_CLUSTER_PORT_BASE", 25500)
    } else {
        ("CHAOS_STACK_PORT_BASE", 25430)
    };
    let base: u16 = std::env::var(variable)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    let shared_home = std::env::var_os("SAGA_STACK_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(default_home);
    let home = std::env::var_os("CHAOS_STACK_HOME")
        .map(PathBuf::from)
        .filter(|_| !cluster)
        .unwrap_or_else(|| {
            let kind = if cluster { "chaos-cluster" } else { "chaos" };
            PathBuf::from(format!("{}-{kind}-{base}", shared_home.display()))
        });
    let ports = [
        ("SAGA_PG_PORT", 2),
        ("SAGA_PG_PROXY_PORT", 3),
        ("SAGA_REDIS_PORT", 4),
        ("SAGA_REDIS_PROXY_PORT", 5),
        ("SAGA_KAFKA_PORT", 6),
        ("SAGA_KAFKA_PROXIED_PORT", 7),
        ("SAGA_KAFKA_PROXY_PORT", 8),
        ("SAGA_KAFKA_CONTROLLER_PORT", 9),
        ("SAGA_TOXIPROXY_PORT", 10),
    ];
    let mut env: Vec<(String, String)> = ports
        .iter()
        .map(|(name, offset)| ((*name).to_owned(), (base + offset).to_string()))
        .collect();
    if cluster {
        // The nodes' ports: base+40 … base+66 (stack.d/common.sh's table).
        env.push(("SAGA_KAFKA_NODES".into(), "3".into()));
        env.push(("SAGA_KAFKA_CLUSTER_PORT".into(), (base + 40).to_string()));
    }
    env.push(("SAGA_STACK_HOME".into(), home.display().to_string()));
    env.push(("SAGA_STACK_CACHE".into(), shared_home.display().to_string()));
    env
}

/// `scripts/stack`'s own default home (root: /var/lib/order-saga; else the user's cache).
pub(super) fn default_home() -> PathBuf {
    let root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    if root {
        return PathBuf::from("/var/lib/order-saga");
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache"));
    cache.join("order-saga")
}

impl Stack {
    /// Opens the stack `mode` names, starting it if needed, and checks that it answers.
    ///
    /// # Errors
    /// When the script is missing or fails, or a backend or Toxiproxy does not answer.
    pub async fn open(mode: StackMode, keep: bool) -> Result<Self, StackError> {
        let stack = match mode {
            StackMode::Attach => {
                let endpoints = Endpoints::from_env();
                Self {
                    cluster: endpoints.kafka_direct.contains(','),
                    endpoints,
                    script: None,
                    owned: false,
                }
            }
            StackMode::Native | StackMode::Private | StackMode::Cluster => {
                let private = mode != StackMode::Native;
                let env = if private {
                    private_env(mode == StackMode::Cluster)
                } else {
                    Vec::new()
                };
                let script = StackScript::locate(env)?;
                let running = script.healthy().await;
                let owned = private && !running && !keep;
                let endpoints = match script.up().await {
                    Ok(endpoints) => endpoints,
                    Err(error) => {
                        // `up` may have started some backends before one failed: a private
                        // stack this run started goes down again rather than leak.
                        if owned {
                            script.down_blocking();
                        }
                        return Err(error);
                    }
                };
                Self {
                    cluster: endpoints.kafka_direct.contains(','),
                    endpoints,
                    owned,
                    script: Some(script),
                }
            }
        };
        stack.check().await?;
        Ok(stack)
    }

    /// Every backend answers directly, and Toxiproxy has the three proxies.
    async fn check(&self) -> Result<(), StackError> {
        let unreachable = |what, reason: String| StackError::Unreachable { what, reason };
        let mut pg = saga_postgres::PgConfig::new(&self.endpoints.database_direct);
        pg.connect_attempts = 1;
        let pool = pg
            .connect()
            .await
            .map_err(|e| unreachable("PostgreSQL", e.to_string()))?;
        pool.close().await;
        let mut redis = saga_redis::RedisConfig::new(&self.endpoints.redis_direct);
        redis.connect_attempts = 1;
        redis
            .connect()
            .await
            .map_err(|e| unreachable("Redis", e.to_string()))?;
        let mut kafka = saga_kafka::KafkaConfig::new(&self.endpoints.kafka_direct);
        kafka.connect_attempts = 1;
        saga_kafka::KafkaEventBus::connect(kafka)
            .await
            .map_err(|e| unreachable("Kafka", e.to_string()))?;
        let proxies = Toxiproxy::new(&self.endpoints.toxiproxy)
            .proxies()
            .await
            .map_err(|e| unreachable("Toxiproxy", e.to_string()))?;
        for wanted in self.proxy_names() {
            if !proxies.iter().any(|p| p.name == wanted) {
                let names: Vec<&str> = proxies.iter().map(|p| p.name.as_str()).collect();
                return Err(unreachable(
                    "Toxiproxy",
                    format!("no proxy named {wanted} (has {names:?})"),
                ));
            }
        }
        Ok(())
    }

    /// The proxies this stack has: one per backend, or with a cluster one per Kafka node for
    /// clients and two for its peers.
    pub fn proxy_names(&self) -> Vec<String> {
        let mut names = vec!["postgres".to_owned(), "redis".to_owned()];
        if self.cluster {
            for node in 1..=super::nodes::NODES {
                names.push(super::nodes::service(node));
                names.extend(super::nodes::peer_proxies(node));
            }
        } else {
            names.push("kafka".to_owned());
        }
        names
    }

    /// Whether backends can be stopped and started.
    pub fn can_restart_backends(&self) -> bool {
        self.script.is_some()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if let (true, Some(script)) = (self.owned, &self.script) {
            script.down_blocking();
        }
    }
}
