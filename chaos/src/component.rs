//! The hidden `chaos component NAME` subcommand: one saga component, exactly as `saga NAME`
//! runs it, so the runner can start components as child processes of its own binary (no
//! second binary to build or find). It also exits when the runner that started it is gone.

use std::net::SocketAddr;
use std::time::Duration;

use saga_components::{Component, registry};
use saga_runtime::telemetry::{self, LogFormat};

/// The component called `name` (`gateway`, `order-api`, …).
pub fn parse_component(name: &str) -> Option<Component> {
    registry::find(name)
}

/// Resolves once this process's parent has changed: the runner died without cleaning up,
/// and an orphaned component must not keep running.
async fn orphaned() {
    let parent = std::os::unix::process::parent_id();
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if std::os::unix::process::parent_id() != parent {
            return;
        }
    }
}

/// Runs `component` on `LISTEN_ADDR` until SIGTERM, Ctrl-C or the parent's death.
///
/// # Errors
/// As `saga::real::run`: a dependency unreachable at start-up, or a failure.
pub async fn run(component: Component) -> anyhow::Result<()> {
    telemetry::init(LogFormat::Json, "info,sqlx=warn,rdkafka=warn");
    let listen: SocketAddr = match std::env::var("LISTEN_ADDR") {
        Ok(text) => text.parse()?,
        Err(_) => component.default_listen(),
    };
    let stop = async {
        tokio::select! {
            () = saga_runtime::shutdown::signal() => {}
            () = orphaned() => tracing::warn!("the chaos runner is gone; stopping"),
        }
    };
    Ok(saga::real::run(component, listen, stop).await?)
}
