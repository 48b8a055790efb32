//! The saga's components, each entry its description and the function that builds it from an
//! [`Environment`](crate::Environment) — the only place that knows what each component's
//! library needs. Adding a component: its library, then an entry here (a `Component` and its
//! start function) and its place in [`COMPONENTS`].

use std::sync::Arc;

use saga_runtime::consumer::ConsumerPolicy;

use crate::Environment;
use crate::component::{
    Backend, Component, ComponentError, Context, Serves, Shutdown, Started, Upstream,
};

/// Every component, in the order the simulation names its hosts.
pub static COMPONENTS: &[Component] = &[
    GATEWAY,
    ORDER_API,
    OUTBOX_RELAY,
    PAYMENT_WORKER,
    ORDER_STATUS_WORKER,
    DELIVERY_WORKER,
    EXPLORER,
    AUDITOR,
];

/// The component called `name`.
pub fn find(name: &str) -> Option<Component> {
    COMPONENTS.iter().find(|c| c.name == name).copied()
}

pub const GATEWAY: Component = Component {
    name: "gateway",
    about: "The public HTTP API, forwarding to the Order API (`ORDER_SERVICE_URL`); requires \
            API keys (`API_KEYS`, `API_KEYS_FILE`) unless `API_AUTH=off`",
    serves: Serves::Api,
    default_port: 8000,
    backends: &[],
    calls: &[Upstream {
        component: "order-api",
        variable: "ORDER_SERVICE_URL",
    }],
    scales_out: false,
    start: gateway,
};

fn gateway(cx: Context, shutdown: Shutdown) -> Started {
    Box::pin(async move {
        let config = saga_gateway::GatewayConfig::from_lookup(|name| cx.var(name))
            .map_err(|e| cx.start_error(e))?;
        let deps = saga_gateway::GatewayDeps {
            dialer: cx.env.dialer(),
            entropy: cx.env.entropy(),
        };
        let listener = cx.listen().await?;
        cx.ended(saga_gateway::run(deps, config, listener, shutdown).await)
    })
}

pub const ORDER_API: Component = Component {
    name: "order-api",
    about: "Creates and reads orders on PostgreSQL (`DATABASE_URL`, migrated by `saga migrate`)",
    serves: Serves::Api,
    default_port: 8001,
    backends: &[Backend::Postgres],
    calls: &[],
    scales_out: false,
    start: order_api,
};

fn order_api(cx: Context, shutdown: Shutdown) -> Started {
    Box::pin(async move {
        let lookup = |name: &str| cx.var(name);
        let config =
            saga_order_api::OrderApiConfig::from_vars(&lookup).map_err(|e| cx.start_error(e))?;
        let deps = saga_order_api::OrderApiDeps {
            store: cx.env.order_store().await.map_err(|e| cx.start_error(e))?,
            clock: cx.env.clock(),
            entropy: cx.env.entropy(),
        };
        let listener = cx.listen().await?;
        cx.ended(saga_order_api::run(deps, config, listener, shutdown).await)
    })
}

pub const OUTBOX_RELAY: Component = Component {
    name: "outbox-relay",
    about: "Publishes committed outbox rows to Kafka (`DATABASE_URL`, `KAFKA_BOOTSTRAP_SERVERS`)",
    serves: Serves::Ops,
    default_port: 9101,
    backends: &[Backend::Postgres, Backend::Kafka],
    calls: &[],
    scales_out: true,
    start: outbox_relay,
};

fn outbox_relay(cx: Context, shutdown: Shutdown) -> Started {
    Box::pin(async move {
        let mut deps = saga_outbox_relay::RelayDeps {
            store: cx.env.order_store().await.map_err(|e| cx.start_error(e))?,
            bus: cx.env.event_bus().await.map_err(|e| cx.start_error(e))?,
            clock: cx.env.clock(),
            redelivery: None,
        };
        let lookup = |name: &str| cx.var(name);
        let config =
            saga_outbox_relay::RelayConfig::from_vars(&lookup).map_err(|e| cx.start_error(e))?;
        let window = cx
            .env
            .redelivery_window(saga_core::Topic::Payments)
            .await
            .map_err(|e| cx.start_error(e))?;
        if let Some(window) = window {
            config
                .retention
                .check(&window)
                .map_err(|e| cx.start_error(e))?;
            deps.redelivery = Some(payments_window(cx.env.clone()));
        }
        let listener = cx.listen().await?;
        cx.ended(saga_outbox_relay::run(deps, config, listener, shutdown).await)
    })
}

/// The `payments` topic's redelivery window, read again at each retention pass.
fn payments_window(env: Arc<dyn Environment>) -> saga_outbox_relay::WindowSource {
    Arc::new(move || {
        let env = env.clone();
        Box::pin(async move {
            match env.redelivery_window(saga_core::Topic::Payments).await {
                Ok(Some(window)) => Ok(window),
                Ok(None) => Err("the redelivery window is no longer known".to_owned()),
                Err(error) => Err(error.to_string()),
            }
        })
    })
}

pub const PAYMENT_WORKER: Component = Component {
    name: "payment-worker",
    about: "Decides payments once per order event (`KAFKA_BOOTSTRAP_SERVERS`, `REDIS_URL`, \
            `PAYMENT_SUCCESS_PROBABILITY`)",
    serves: Serves::Ops,
    default_port: 9102,
    backends: &[Backend::Kafka, Backend::Redis, Backend::Postgres],
    calls: &[],
    scales_out: true,
    start: payment_worker,
};

fn payment_worker(cx: Context, shutdown: Shutdown) -> Started {
    Box::pin(async move {
        let lookup = |name: &str| cx.var(name);
        let mut config = saga_payment_worker::PaymentWorkerConfig {
            policy: ConsumerPolicy::from_vars(&lookup).map_err(|e| cx.start_error(e))?,
            ..Default::default()
        };
        if let Some(p) = cx.parsed::<f64>("PAYMENT_SUCCESS_PROBABILITY")? {
            if !(0.0..=1.0).contains(&p) {
                let reason = format!("PAYMENT_SUCCESS_PROBABILITY={p}: not between 0 and 1");
                return Err(cx.start_error(reason));
            }
            config.success_probability = p;
        }
        let deps = saga_payment_worker::PaymentWorkerDeps {
            bus: cx.env.event_bus().await.map_err(|e| cx.start_error(e))?,
            dead_letters: cx.env.dead_letters().await.map_err(|e| cx.start_error(e))?,
            decisions: cx
                .env
                .decision_store()
                .await
                .map_err(|e| cx.start_error(e))?,
            clock: cx.env.clock(),
            entropy: cx.env.entropy(),
        };
        let listener = cx.listen().await?;
        cx.ended(saga_payment_worker::run(deps, config, listener, shutdown).await)
    })
}

pub const ORDER_STATUS_WORKER: Component = Component {
    name: "order-status-worker",
    about: "Applies payment outcomes to orders (`KAFKA_BOOTSTRAP_SERVERS`, `DATABASE_URL`)",
    serves: Serves::Ops,
    default_port: 9103,
    backends: &[Backend::Kafka, Backend::Postgres],
    calls: &[],
    scales_out: true,
    start: order_status_worker,
};

fn order_status_worker(cx: Context, shutdown: Shutdown) -> Started {
    Box::pin(async move {
        let deps = saga_order_status_worker::StatusWorkerDeps {
            bus: cx.env.event_bus().await.map_err(|e| cx.start_error(e))?,
            dead_letters: cx.env.dead_letters().await.map_err(|e| cx.start_error(e))?,
            store: cx.env.order_store().await.map_err(|e| cx.start_error(e))?,
            clock: cx.env.clock(),
            entropy: cx.env.entropy(),
        };
        let listener = cx.listen().await?;
        let lookup = |name: &str| cx.var(name);
        let config = saga_order_status_worker::StatusWorkerConfig {
            policy: ConsumerPolicy::from_vars(&lookup).map_err(|e| cx.start_error(e))?,
            ..Default::default()
        };
        cx.ended(saga_order_status_worker::run(deps, config, listener, shutdown).await)
    })
}

pub const DELIVERY_WORKER: Component = Component {
    name: "delivery-worker",
    about: "Assigns a delivery to every completed order (`KAFKA_BOOTSTRAP_SERVERS`, \
            `DATABASE_URL`)",
    serves: Serves::Ops,
    default_port: 9104,
    backends: &[Backend::Kafka, Backend::Postgres],
    calls: &[],
    scales_out: true,
    start: delivery_worker,
};

fn delivery_worker(cx: Context, shutdown: Shutdown) -> Started {
    Box::pin(async move {
        let deps = saga_delivery_worker::DeliveryWorkerDeps {
            bus: cx.env.event_bus().await.map_err(|e| cx.start_error(e))?,
            dead_letters: cx.env.dead_letters().await.map_err(|e| cx.start_error(e))?,
            deliveries: cx
                .env
                .delivery_store()
                .await
                .map_err(|e| cx.start_error(e))?,
            clock: cx.env.clock(),
            entropy: cx.env.entropy(),
        };
        let listener = cx.listen().await?;
        let lookup = |name: &str| cx.var(name);
        let config = saga_delivery_worker::DeliveryWorkerConfig {
            policy: ConsumerPolicy::from_vars(&lookup).map_err(|e| cx.start_error(e))?,
            ..Default::default()
        };
        cx.ended(saga_delivery_worker::run(deps, config, listener, shutdown).await)
    })
}

pub const EXPLORER: Component = Component {
    name: "explorer",
    about: "The operator's web page: orders, each order's timeline, saga health \
            (`DATABASE_URL`, `KAFKA_BOOTSTRAP_SERVERS`, `REDIS_URL`, `EXPLORER_*`; API keys \
            (`API_KEYS`, `API_KEYS_FILE`) unless `API_AUTH=off`)",
    serves: Serves::Pages,
    default_port: 8080,
    backends: &[Backend::Postgres, Backend::Kafka, Backend::Redis],
    calls: &[],
    scales_out: false,
    start: explorer,
};

fn explorer(cx: Context, shutdown: Shutdown) -> Started {
    Box::pin(async move {
        let config = saga_explorer::ExplorerConfig::from_lookup(|name| cx.var(name))
            .map_err(|e| cx.start_error(e))?;
        let dead_letters = saga_explorer::DeadLetterDeps {
            bus: cx.env.event_bus().await.map_err(|e| cx.start_error(e))?,
            table: cx.env.dead_letters().await.map_err(|e| cx.start_error(e))?,
            ledger: cx
                .env
                .dead_letter_ledger()
                .await
                .map_err(|e| cx.start_error(e))?,
        };
        let deps = saga_explorer::ExplorerDeps {
            reading: cx.env.saga_reading().await.map_err(|e| cx.start_error(e))?,
            clock: cx.env.clock(),
            dead_letters: Some(dead_letters),
            keys: explorer_keys(&cx)?,
            csrf_secret: saga_api::auth::generate_key(&*cx.env.entropy()),
        };
        let listener = cx.listen().await?;
        cx.ended(saga_explorer::run(deps, config, listener, shutdown).await)
    })
}

pub const AUDITOR: Component = Component {
    name: "auditor",
    about: "Judges the saga's safety properties online, reading its stores forward and following \
            `payments` (`DATABASE_URL`, `KAFKA_BOOTSTRAP_SERVERS`, `AUDIT_*`); reports \
            `saga_invariant_violations_total`",
    serves: Serves::Audit,
    default_port: 9105,
    backends: &[Backend::Postgres, Backend::Kafka],
    calls: &[],
    scales_out: false,
    start: auditor,
};

fn auditor(cx: Context, shutdown: Shutdown) -> Started {
    Box::pin(async move {
        let config = saga_auditor::AuditorConfig::from_lookup(|name| cx.var(name))
            .map_err(|e| cx.start_error(e))?;
        let deps = saga_auditor::AuditorDeps {
            feed: cx.env.audit_feed().await.map_err(|e| cx.start_error(e))?,
            bus: cx.env.event_bus().await.map_err(|e| cx.start_error(e))?,
            clock: cx.env.clock(),
        };
        let listener = cx.listen().await?;
        cx.ended(saga_auditor::run(deps, config, listener, shutdown).await)
    })
}

/// The API keys the explorer lets in (a client key its own orders, an operator key all of
/// them and the dead letters), read the gateway's way: required unless `API_AUTH=off`, which
/// opens the explorer to anyone who reaches it (every page says so).
fn explorer_keys(cx: &Context) -> Result<Option<Arc<saga_api::auth::ApiKeys>>, ComponentError> {
    let keys =
        saga_gateway::api_keys_from_lookup(|name| cx.var(name)).map_err(|e| cx.start_error(e))?;
    Ok(keys.map(Arc::new))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn names_and_ports_are_unique_and_calls_resolve() {
        let names: BTreeSet<_> = COMPONENTS.iter().map(|c| c.name).collect();
        let ports: BTreeSet<_> = COMPONENTS.iter().map(|c| c.default_port).collect();
        assert_eq!(names.len(), COMPONENTS.len());
        assert_eq!(ports.len(), COMPONENTS.len());
        for upstream in COMPONENTS.iter().flat_map(|c| c.calls) {
            assert!(find(upstream.component).is_some(), "{upstream:?}");
        }
    }
}
