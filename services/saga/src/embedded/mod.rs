//! The whole saga in one process on the in-memory backends, reachable over real HTTP: what
//! `saga demo` runs and what the embedded end-to-end test drives.

mod backends;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use saga_core::ports::{Clock, Entropy, OsEntropy, SystemClock};
use saga_runtime::CancellationToken;
use saga_runtime::net::TcpDialer;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

pub use backends::MemoryBackends;

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
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        Self {
            gateway_port: 0,
            order_api_port: 0,
            explorer_port: 0,
            success_probability: 0.8,
            partitions: 3,
        }
    }
}

/// A running embedded saga.
pub struct EmbeddedSaga {
    pub gateway: SocketAddr,
    pub order_api: SocketAddr,
    /// The explorer's pages.
    pub explorer: SocketAddr,
    /// `/health` and `/metrics` of the relay and the three workers, in that order.
    pub ops: [SocketAddr; 4],
    pub backends: MemoryBackends,
    token: CancellationToken,
    tasks: JoinSet<(&'static str, io::Result<()>)>,
}

async fn bind(port: u16) -> io::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on 127.0.0.1:{port}: {e}")))
}

impl EmbeddedSaga {
    /// Starts every component; returns once all listeners are bound.
    ///
    /// # Errors
    /// When a port cannot be bound.
    pub async fn start(options: EmbeddedOptions) -> io::Result<Self> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let backends = MemoryBackends::new(options.partitions, clock.clone());
        let entropy: Arc<dyn Entropy> = Arc::new(OsEntropy);
        let gateway_listener = bind(options.gateway_port).await?;
        let order_api_listener = bind(options.order_api_port).await?;
        let explorer_listener = bind(options.explorer_port).await?;
        let ops_listeners = [
            bind(0).await?,
            bind(0).await?,
            bind(0).await?,
            bind(0).await?,
        ];
        let gateway = gateway_listener.local_addr()?;
        let order_api = order_api_listener.local_addr()?;
        let explorer = explorer_listener.local_addr()?;
        let ops = ops_listeners
            .each_ref()
            .map(|l| l.local_addr().expect("bound listeners have addresses"));
        let token = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let stop = |token: &CancellationToken| token.clone().cancelled_owned();
        let [relay_ops, payment_ops, status_ops, delivery_ops] = ops_listeners;

        let deps = saga_order_api::OrderApiDeps {
            store: backends.store(),
            clock: clock.clone(),
            entropy: entropy.clone(),
        };
        let run = saga_order_api::run(deps, Default::default(), order_api_listener, stop(&token));
        tasks.spawn(async move { ("order-api", run.await) });

        let config = saga_gateway::GatewayConfig::parse(Some(&format!("http://{order_api}")), None)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let deps = saga_gateway::GatewayDeps {
            dialer: Arc::new(TcpDialer),
            entropy: entropy.clone(),
        };
        let run = saga_gateway::run(deps, config, gateway_listener, stop(&token));
        tasks.spawn(async move { ("gateway", run.await) });

        let deps = saga_outbox_relay::RelayDeps {
            store: backends.store(),
            bus: backends.bus(),
            clock: clock.clone(),
        };
        let run = saga_outbox_relay::run(deps, Default::default(), relay_ops, stop(&token));
        tasks.spawn(async move { ("outbox-relay", run.await) });

        let deps = saga_payment_worker::PaymentWorkerDeps {
            bus: backends.bus(),
            decisions: backends.decisions(),
            clock: clock.clone(),
            entropy: entropy.clone(),
        };
        let config = saga_payment_worker::PaymentWorkerConfig {
            success_probability: options.success_probability,
            ..Default::default()
        };
        let run = saga_payment_worker::run(deps, config, payment_ops, stop(&token));
        tasks.spawn(async move { ("payment-worker", run.await) });

        let deps = saga_order_status_worker::StatusWorkerDeps {
            bus: backends.bus(),
            store: backends.store(),
            clock: clock.clone(),
            entropy: entropy.clone(),
        };
        let run = saga_order_status_worker::run(deps, Default::default(), status_ops, stop(&token));
        tasks.spawn(async move { ("order-status-worker", run.await) });

        let deps = saga_delivery_worker::DeliveryWorkerDeps {
            bus: backends.bus(),
            deliveries: backends.deliveries(),
            clock,
            entropy,
        };
        let run = saga_delivery_worker::run(deps, Default::default(), delivery_ops, stop(&token));
        tasks.spawn(async move { ("delivery-worker", run.await) });

        let deps = saga_explorer::ExplorerDeps {
            source: Arc::new(backends.clone()),
            clock: Arc::new(SystemClock),
        };
        let run = saga_explorer::run(deps, Default::default(), explorer_listener, stop(&token));
        tasks.spawn(async move { ("explorer", run.await) });

        Ok(Self {
            gateway,
            order_api,
            explorer,
            ops,
            backends,
            token,
            tasks,
        })
    }

    /// Resolves when any component stops on its own (which only an error makes it do).
    pub async fn any_stopped(&mut self) -> Option<(&'static str, io::Result<()>)> {
        self.tasks
            .join_next()
            .await
            .map(|joined| joined.unwrap_or(("unknown", Ok(()))))
    }

    /// Stops every component gracefully; returns how each ended.
    pub async fn shutdown(mut self) -> Vec<(&'static str, io::Result<()>)> {
        self.token.cancel();
        let mut ended = Vec::new();
        while let Some(joined) = self.tasks.join_next().await {
            if let Ok(result) = joined {
                ended.push(result);
            }
        }
        ended
    }
}
