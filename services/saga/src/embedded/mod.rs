//! The whole saga in one process on the in-memory backends, reachable over real HTTP: what
//! `saga demo` runs and what the embedded end-to-end tests drive.

mod backends;
mod environment;

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use saga_components::registry::{EXPLORER, GATEWAY, ORDER_API};
use saga_components::{COMPONENTS, Running, Stopped};
use saga_core::ports::SystemClock;

pub use backends::MemoryBackends;
use environment::EmbeddedEnvironment;

/// Where the embedded components listen and how payments go.
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    /// Gateway port on 127.0.0.1 (0 for any free port).
    pub gateway_port: u16,
    /// Order API port on 127.0.0.1 (0 for any free port).
    pub order_api_port: u16,
    /// Explorer port on 127.0.0.1 (0 for any free port).
    pub explorer_port: u16,
    pub success_probability: f64,
    pub partitions: u32,
    /// The gateway's configuration variables, as the environment would give them
    /// (`API_KEYS`, `API_RATE_LIMIT_PER_SECOND`, …). Without `API_KEYS` or `API_KEYS_FILE` the
    /// gateway is open (`API_AUTH=off`): the demo is open unless asked.
    pub gateway_vars: Vec<(String, String)>,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        Self {
            gateway_port: 0,
            order_api_port: 0,
            explorer_port: 0,
            success_probability: 0.8,
            partitions: 3,
            gateway_vars: Vec::new(),
        }
    }
}

/// A running embedded saga.
pub struct EmbeddedSaga {
    pub gateway: SocketAddr,
    pub order_api: SocketAddr,
    /// The explorer's pages.
    pub explorer: SocketAddr,
    /// Where every component listens (its API, or `/health` and `/metrics`), by name.
    pub addresses: BTreeMap<&'static str, SocketAddr>,
    pub backends: MemoryBackends,
    running: Running,
}

impl EmbeddedSaga {
    /// Starts every component; returns once all listeners are bound.
    ///
    /// # Errors
    /// When a port cannot be bound.
    pub async fn start(options: EmbeddedOptions) -> io::Result<Self> {
        let backends = MemoryBackends::new(options.partitions, Arc::new(SystemClock));
        let ports = BTreeMap::from([
            (GATEWAY.name, options.gateway_port),
            (ORDER_API.name, options.order_api_port),
            (EXPLORER.name, options.explorer_port),
        ]);
        let mut vars = BTreeMap::from([(
            "PAYMENT_SUCCESS_PROBABILITY".to_owned(),
            options.success_probability.to_string(),
        )]);
        vars.extend(options.gateway_vars);
        if !vars.contains_key("API_KEYS") && !vars.contains_key("API_KEYS_FILE") {
            vars.insert("API_AUTH".to_owned(), "off".to_owned());
        }
        let env = EmbeddedEnvironment::bind(backends.clone(), vars, &ports, COMPONENTS).await?;
        let addresses = env.addresses.clone();
        let env = Arc::new(env);
        let mut running = Running::new();
        for &component in COMPONENTS {
            running.spawn(component, env.clone());
        }
        Ok(Self {
            gateway: addresses[GATEWAY.name],
            order_api: addresses[ORDER_API.name],
            explorer: addresses[EXPLORER.name],
            addresses,
            backends,
            running,
        })
    }

    /// Resolves when any component stops on its own (only an error or a panic makes one).
    pub async fn any_stopped(&mut self) -> Option<Stopped> {
        self.running.any_stopped().await
    }

    /// Stops every component gracefully; returns how each ended.
    pub async fn shutdown(self) -> Vec<Stopped> {
        self.running.shutdown().await
    }
}
