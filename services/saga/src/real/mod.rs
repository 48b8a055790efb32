//! The saga on real backends: each component wired to PostgreSQL, Kafka and Redis from the
//! environment (see docs/configuration.md), as its own process or all in one. What
//! `saga <component>`, `saga all` and `saga migrate` run.

mod backends;
mod dlq;
mod environment;
pub mod reader;
pub mod retention;

use std::net::SocketAddr;
use std::sync::Arc;

use saga_components::{COMPONENTS, Component, ComponentError, Running};

pub use backends::{Postgres, connect_bus, connect_decisions, connect_postgres, migrate_only};
pub use dlq::RealDeadLetters;
pub use environment::{CLOCK_DRIFT, CLOCK_OFFSET, RealEnvironment};
pub use reader::RealReader;

/// Runs `component` alone, listening on `listen`, until `shutdown` resolves.
///
/// # Errors
/// A dependency unreachable at start-up (named with its address), an address it cannot
/// listen on, or the component failing.
pub async fn run(
    component: Component,
    listen: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ComponentError> {
    let env = RealEnvironment::new(listen).map_err(|reason| ComponentError::Start {
        component: component.name,
        reason: reason.into(),
    })?;
    saga_components::run(component, Arc::new(env), shutdown).await
}

/// Every component in this process, each with its own connections, until `shutdown`: the
/// gateway on `gateway_listen`, the others on their default addresses.
///
/// # Errors
/// The first component that fails to start or stops with an error.
pub async fn run_all(
    gateway_listen: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ComponentError> {
    let mut running = Running::new();
    for &component in COMPONENTS {
        let start_error = |reason: String| ComponentError::Start {
            component: component.name,
            reason: reason.into(),
        };
        let listen = if component == saga_components::registry::GATEWAY {
            gateway_listen
        } else {
            component.default_listen()
        };
        let env = RealEnvironment::all_in_one(listen).map_err(start_error)?;
        running.spawn(component, Arc::new(env));
    }
    tokio::pin!(shutdown);
    let first = tokio::select! {
        () = &mut shutdown => None,
        stopped = running.any_stopped() => stopped,
    };
    let mut outcome = match first {
        Some(stopped) => Err(stopped.result.err().unwrap_or(ComponentError::Run {
            component: stopped.component,
            reason: std::io::Error::other("stopped on its own"),
        })),
        None => Ok(()),
    };
    for stopped in running.shutdown().await {
        if let (Err(error), Ok(())) = (stopped.result, &outcome) {
            outcome = Err(error);
        }
    }
    outcome
}
