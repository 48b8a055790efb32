//! The simulated topology, drawn from the component registry: a host per component, a second
//! instance of each component that scales out (in some seeds), a host per backend, and every
//! link between them. A component added to the registry is simulated with no change here,
//! unless it only serves pages ([`simulated`]).

use std::sync::LazyLock;

use saga_components::registry::{GATEWAY as GATEWAY_COMPONENT, OUTBOX_RELAY};
use saga_components::{Backend, COMPONENTS, Component};

pub const POSTGRES: &str = Backend::Postgres.name();
pub const KAFKA: &str = Backend::Kafka.name();
pub const REDIS: &str = Backend::Redis.name();
/// The simulated backends, whose durable state survives a restart.
pub const INFRA: [&str; 3] = [POSTGRES, KAFKA, REDIS];
/// The workload's host: the saga's clients, calling the gateway.
pub const CLIENTS: &str = "clients";
pub const GATEWAY: &str = GATEWAY_COMPONENT.name;
pub const RELAY: &str = OUTBOX_RELAY.name;

struct Topology {
    services: Vec<&'static str>,
    replicas: Vec<(&'static str, &'static str)>,
    links: Vec<(&'static str, &'static str)>,
}

/// The components that take part in the saga: the simulation runs these (the explorer and the
/// auditor only read the state: a failing seed gets its page from the trace, and the trace is
/// judged by the auditor's own code).
pub fn simulated() -> impl Iterator<Item = &'static Component> {
    COMPONENTS.iter().filter(|c| c.takes_part())
}

static TOPOLOGY: LazyLock<Topology> = LazyLock::new(|| Topology {
    services: simulated().map(|c| c.name).collect(),
    replicas: simulated()
        .filter(|c| c.scales_out)
        .map(|c| {
            let replica: &'static str = Box::leak(format!("{}-2", c.name).into_boxed_str());
            (c.name, replica)
        })
        .collect(),
    links: std::iter::once((CLIENTS, GATEWAY))
        .chain(simulated().flat_map(|c| {
            let calls = c.calls.iter().map(|u| (c.name, u.component));
            calls.chain(c.backends.iter().map(|b| (c.name, b.name())))
        }))
        .collect(),
});

/// Every component's host, in registry order.
pub fn service_hosts() -> &'static [&'static str] {
    &TOPOLOGY.services
}

/// Components a seed may run twice, and the second instance's host name.
pub fn replicas() -> &'static [(&'static str, &'static str)] {
    &TOPOLOGY.replicas
}

/// Every network link of the saga (without replicas): the clients to the gateway, each
/// component to what it calls and to its backends.
pub fn links() -> &'static [(&'static str, &'static str)] {
    &TOPOLOGY.links
}

/// The component a service host runs (a replica runs its primary's).
pub fn component_of(host: &str) -> Option<Component> {
    let primary = replicas()
        .iter()
        .find(|(_, replica)| *replica == host)
        .map_or(host, |(primary, _)| *primary);
    saga_components::registry::find(primary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_topology_follows_the_registry() {
        assert_eq!(
            service_hosts(),
            [
                "gateway",
                "order-api",
                "outbox-relay",
                "payment-worker",
                "order-status-worker",
                "delivery-worker"
            ]
        );
        assert_eq!(replicas()[0], ("outbox-relay", "outbox-relay-2"));
        assert_eq!(replicas().len(), 4);
        assert_eq!(
            links()[..3],
            [
                (CLIENTS, GATEWAY),
                ("gateway", "order-api"),
                ("order-api", POSTGRES)
            ]
        );
        // The payment worker reaches PostgreSQL too, for its dead-letter table.
        assert_eq!(links().len(), 12);
        assert_eq!(
            component_of("payment-worker-2").unwrap().name,
            "payment-worker"
        );
        assert!(component_of(POSTGRES).is_none());
    }
}
