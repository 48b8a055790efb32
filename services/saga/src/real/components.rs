//! One function per component on the real backends, and `all` of them in one process.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use saga_core::ports::{Clock, Entropy, OsEntropy, SystemClock};
use saga_runtime::consumer::ConsumerPolicy;
use saga_runtime::net::TcpDialer;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::backends::{connect_bus, connect_decisions, connect_postgres};
use super::retention;

/// A saga component that runs as its own process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    Gateway,
    OrderApi,
    OutboxRelay,
    PaymentWorker,
    OrderStatusWorker,
    DeliveryWorker,
}

impl Component {
    pub const ALL: [Component; 6] = [
        Self::OrderApi,
        Self::Gateway,
        Self::OutboxRelay,
        Self::PaymentWorker,
        Self::OrderStatusWorker,
        Self::DeliveryWorker,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Gateway => "gateway",
            Self::OrderApi => "order-api",
            Self::OutboxRelay => "outbox-relay",
            Self::PaymentWorker => "payment-worker",
            Self::OrderStatusWorker => "order-status-worker",
            Self::DeliveryWorker => "delivery-worker",
        }
    }

    /// Where it listens by default on a developer machine (compose overrides `LISTEN_ADDR`):
    /// the public API or the Order API, or `/health` and `/metrics` for the others.
    pub fn default_listen(self) -> SocketAddr {
        let port = match self {
            Self::Gateway => 8000,
            Self::OrderApi => 8001,
            Self::OutboxRelay => 9101,
            Self::PaymentWorker => 9102,
            Self::OrderStatusWorker => 9103,
            Self::DeliveryWorker => 9104,
        };
        SocketAddr::from(([127, 0, 0, 1], port))
    }
}

async fn bind(component: Component, addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("{}: cannot listen on {addr}", component.name()))
}

fn clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

fn entropy() -> Arc<dyn Entropy> {
    Arc::new(OsEntropy)
}

/// Connects what `component` needs, then serves until `shutdown` resolves.
///
/// # Errors
/// A dependency that cannot be reached at start-up (named), a port that cannot be bound, or
/// the component failing.
pub async fn run_component(
    component: Component,
    listen: SocketAddr,
    local_order_api: Option<SocketAddr>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let name = component.name();
    let result = match component {
        Component::Gateway => {
            let config = gateway_config(local_order_api)?;
            let deps = saga_gateway::GatewayDeps {
                dialer: Arc::new(TcpDialer),
                entropy: entropy(),
            };
            let listener = bind(component, listen).await?;
            saga_gateway::run(deps, config, listener, shutdown).await
        }
        Component::OrderApi => {
            let store = connect_postgres().await?.order_store();
            let deps = saga_order_api::OrderApiDeps {
                store,
                clock: clock(),
                entropy: entropy(),
            };
            let listener = bind(component, listen).await?;
            saga_order_api::run(deps, Default::default(), listener, shutdown).await
        }
        Component::OutboxRelay => {
            let config = saga_outbox_relay::RelayConfig::from_env()?;
            let pg = connect_postgres().await?;
            let bus = connect_bus().await?;
            retention::check_relay(&config.retention).await?;
            let deps = saga_outbox_relay::RelayDeps {
                store: pg.order_store(),
                bus,
                clock: clock(),
            };
            let listener = bind(component, listen).await?;
            saga_outbox_relay::run(deps, config, listener, shutdown).await
        }
        Component::PaymentWorker => {
            let config = saga_payment_worker::PaymentWorkerConfig {
                policy: ConsumerPolicy::from_env()?,
                ..Default::default()
            };
            let (decisions, ttl) = connect_decisions().await?;
            let deps = saga_payment_worker::PaymentWorkerDeps {
                bus: connect_bus().await?,
                dead_letters: connect_postgres().await?.dead_letters(),
                decisions,
                clock: clock(),
                entropy: entropy(),
            };
            retention::check_decision_ttl(ttl).await?;
            let listener = bind(component, listen).await?;
            saga_payment_worker::run(deps, config, listener, shutdown).await
        }
        Component::OrderStatusWorker => {
            let config = saga_order_status_worker::StatusWorkerConfig {
                policy: ConsumerPolicy::from_env()?,
                ..Default::default()
            };
            let pg = connect_postgres().await?;
            let deps = saga_order_status_worker::StatusWorkerDeps {
                bus: connect_bus().await?,
                dead_letters: pg.dead_letters(),
                store: pg.order_store(),
                clock: clock(),
                entropy: entropy(),
            };
            let listener = bind(component, listen).await?;
            saga_order_status_worker::run(deps, config, listener, shutdown).await
        }
        Component::DeliveryWorker => {
            let config = saga_delivery_worker::DeliveryWorkerConfig {
                policy: ConsumerPolicy::from_env()?,
                ..Default::default()
            };
            let pg = connect_postgres().await?;
            let deps = saga_delivery_worker::DeliveryWorkerDeps {
                bus: connect_bus().await?,
                dead_letters: pg.dead_letters(),
                deliveries: pg.delivery_store(),
                clock: clock(),
                entropy: entropy(),
            };
            let listener = bind(component, listen).await?;
            saga_delivery_worker::run(deps, config, listener, shutdown).await
        }
    };
    result.with_context(|| format!("{name} failed"))
}

/// The gateway's settings; in `saga all` the Order API next door is the default upstream.
fn gateway_config(
    local_order_api: Option<SocketAddr>,
) -> Result<saga_gateway::GatewayConfig, saga_gateway::ConfigError> {
    let var = |name| std::env::var(name).ok();
    let upstream = var("ORDER_SERVICE_URL").or(local_order_api.map(|a| format!("http://{a}")));
    saga_gateway::GatewayConfig::parse(
        upstream.as_deref(),
        var("UPSTREAM_TIMEOUT_SECONDS").as_deref(),
    )
}

/// Every component in this process, each with its own connections, until `shutdown`: the
/// gateway on `gateway_listen`, the others on their default addresses.
///
/// # Errors
/// The first component that fails to start or stops with an error.
pub async fn run_all(
    gateway_listen: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let token = saga_runtime::CancellationToken::new();
    let mut tasks = JoinSet::new();
    for component in Component::ALL {
        let stop = token.clone().cancelled_owned();
        let listen = match component {
            Component::Gateway => gateway_listen,
            other => other.default_listen(),
        };
        let order_api = Some(Component::OrderApi.default_listen());
        tasks.spawn(async move { run_component(component, listen, order_api, stop).await });
    }
    tokio::pin!(shutdown);
    let first = tokio::select! {
        () = &mut shutdown => None,
        joined = tasks.join_next() => joined,
    };
    token.cancel();
    let mut outcome = match first {
        Some(Ok(Err(error))) => Err(error),
        Some(Ok(Ok(()))) => Err(anyhow::anyhow!("a component stopped on its own")),
        Some(Err(panic)) => Err(anyhow::anyhow!("a component panicked: {panic}")),
        None => Ok(()),
    };
    while let Some(joined) = tasks.join_next().await {
        if let (Ok(Err(error)), Ok(())) = (joined, &outcome) {
            outcome = Err(error);
        }
    }
    outcome
}
