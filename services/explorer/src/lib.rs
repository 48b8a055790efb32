//! The saga explorer: a web page for operators. It lists orders (filters, counts per status,
//! stuck ones), draws one order's journey through the saga as a timeline with the checker's
//! verdict, lists the dead letters (replay and discard them), and shows the saga's health — reading the state through a [`SagaSource`], the same
//! snapshot the invariant checker judges, so it works on the memory backends, the real stack and
//! in compose alike. Pages are self-contained (no CDN), readable without JavaScript, and refresh
//! themselves. The timeline model and its drawing ([`timeline`], [`html::timeline`]) also draw a
//! failing simulation seed.

pub mod access;
mod config;
mod dead_letters;
mod dlq_routes;
mod freshness;
pub mod html;
mod login;
pub mod reader;
mod routes;
pub mod source;
pub mod timeline;
pub mod view;

use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::get;
use saga_api::auth::ApiKeys;
use saga_core::ports::Clock;
use saga_runtime::{Listener, serve};

pub use access::{Access, Viewer, csrf_token};
pub use config::{ConfigError, ExplorerConfig};
pub use dead_letters::DeadLetterDeps;
pub use reader::{LetterPage, SagaReader, SnapshotReader};
pub use source::{SagaSource, Snapshots};

/// How the explorer reads the saga.
#[derive(Clone)]
pub enum Reading {
    /// Whole snapshots, read at most once per refresh: for small states (the memory backends).
    Snapshots(Arc<dyn SagaSource>),
    /// Bounded reads per page: for the real stack at any size.
    Pages(Arc<dyn SagaReader>),
}

/// What the explorer needs from the outside world.
#[derive(Clone)]
pub struct ExplorerDeps {
    pub reading: Reading,
    pub clock: Arc<dyn Clock>,
    /// What the dead-letter page reads and acts through; `None` shows no dead letters.
    pub dead_letters: Option<DeadLetterDeps>,
    /// The configured API keys: every page needs one (`crate::access`). `None` serves anyone
    /// who reaches the port (`API_AUTH=off`), and every page says so.
    pub keys: Option<Arc<ApiKeys>>,
    /// What the forms' CSRF tokens are derived from: random per process.
    pub csrf_secret: String,
}

/// The explorer's routes, ready to serve or to test with `oneshot`: the pages behind
/// [`access::require_viewer`], the login form, and `/health` and `/metrics` for probes.
pub fn router(deps: ExplorerDeps, config: ExplorerConfig) -> Router {
    let reader: Arc<dyn SagaReader> = match deps.reading {
        Reading::Snapshots(source) => {
            let snapshots = Snapshots::new(source, deps.clock.clone(), config.refresh);
            Arc::new(SnapshotReader::new(snapshots, deps.dead_letters.clone()))
        }
        Reading::Pages(reader) => reader,
    };
    let access = Access {
        keys: deps.keys,
        secret: deps.csrf_secret,
    };
    let state = routes::AppState {
        reader,
        freshness: Arc::default(),
        clock: deps.clock,
        config,
        dead_letters: deps.dead_letters,
    };
    let pages = Router::new()
        .route("/", get(routes::order_list))
        .route("/orders/{order_id}", get(routes::order_page))
        .route("/dead-letters", get(dlq_routes::list).post(dlq_routes::act))
        .route("/saga-health", get(routes::saga_health))
        .route_layer(middleware::from_fn_with_state(
            access.clone(),
            access::require_viewer,
        ));
    let login = Router::new()
        .route("/login", get(login::form).post(login::submit))
        .with_state(access);
    pages
        .route("/health", get(routes::liveness))
        .with_state(state)
        .merge(login)
        .route(
            "/metrics",
            get(|| async { saga_runtime::metrics::render() }),
        )
}

/// Serves the explorer on `listener` until `shutdown` resolves.
///
/// # Errors
/// An I/O error from the server, or overrunning the shutdown grace period.
pub async fn run<L>(
    deps: ExplorerDeps,
    config: ExplorerConfig,
    listener: L,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()>
where
    L: Listener,
    L::Addr: std::fmt::Debug,
{
    serve::component("explorer", listener, router(deps, config), shutdown).await
}
