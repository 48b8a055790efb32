//! A registry entry, the context its start function gets, and [`run`]: the one way every
//! world runs a component.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::FutureExt as _;
use saga_core::mutant::{self, Mutant};

use crate::environment::{BoxError, Environment};
use crate::listener::BoxListener;

/// A running component: resolves when it stops.
pub type Started = Pin<Box<dyn Future<Output = Result<(), ComponentError>> + Send>>;

/// Resolves when the component should stop.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What a component serves on its listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serves {
    /// An HTTP API (the public one, or the Order API).
    Api,
    /// Only `/health` and `/metrics`: a background worker.
    Ops,
    /// An operator's web pages: it reads the saga's state and takes no part in the saga, so
    /// the simulation leaves it out (a failing seed is drawn from the trace instead).
    Pages,
    /// Only `/health` and `/metrics`, and it only reads the saga (the auditor): the simulation
    /// leaves it out and judges every seed with the same code on its trace.
    Audit,
}

/// A backend a component reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Backend {
    Postgres,
    Kafka,
    Redis,
}

impl Backend {
    pub const fn name(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Kafka => "kafka",
            Self::Redis => "redis",
        }
    }
}

/// Another component this one calls over HTTP, and the variable that holds its URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upstream {
    pub component: &'static str,
    pub variable: &'static str,
}

/// One saga component: what it is, and how it starts in any [`Environment`].
#[derive(Clone, Copy)]
pub struct Component {
    /// Its name on the command line, in logs, and as a simulated host.
    pub name: &'static str,
    /// One line for `saga --help`.
    pub about: &'static str,
    pub serves: Serves,
    /// Where it listens on 127.0.0.1 unless told otherwise.
    pub default_port: u16,
    /// The backends it reaches, in the order it connects to them.
    pub backends: &'static [Backend],
    /// The components it calls.
    pub calls: &'static [Upstream],
    /// Whether several instances may run at once, sharing the work.
    pub scales_out: bool,
    /// Builds the component from its context and runs it until the shutdown resolves.
    pub(crate) start: fn(Context, Shutdown) -> Started,
}

impl Component {
    /// Whether it takes part in the saga (the explorer and the auditor only read it).
    pub fn takes_part(&self) -> bool {
        !matches!(self.serves, Serves::Pages | Serves::Audit)
    }

    /// `127.0.0.1:{default_port}`.
    pub fn default_listen(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.default_port))
    }
}

impl PartialEq for Component {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Component {}

impl fmt::Debug for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Why a component did not run to a clean stop.
#[derive(Debug, thiserror::Error)]
pub enum ComponentError {
    /// It could not start: a malformed setting, an unreachable dependency (named with its
    /// address), an address it cannot listen on.
    #[error("{component}: {reason}")]
    Start {
        component: &'static str,
        reason: BoxError,
    },
    /// It stopped with an error, or overran its shutdown grace period.
    #[error("{component} failed: {reason}")]
    Run {
        component: &'static str,
        reason: io::Error,
    },
    /// Its task panicked.
    #[error("{component} panicked: {message}")]
    Panicked {
        component: &'static str,
        message: String,
    },
}

impl ComponentError {
    pub fn component(&self) -> &'static str {
        match self {
            Self::Start { component, .. }
            | Self::Run { component, .. }
            | Self::Panicked { component, .. } => component,
        }
    }
}

/// What a registry entry's start function is given besides its shutdown.
pub struct Context {
    pub component: Component,
    pub env: Arc<dyn Environment>,
    /// Set once the component listens: the end of its start-up. Until then a stop ends it at
    /// once, since it has nothing in flight; from then on it drains.
    serving: Arc<AtomicBool>,
}

impl Context {
    /// A configuration variable; for the variable naming an upstream component, where this
    /// world says that component is.
    pub fn var(&self, name: &str) -> Option<String> {
        let upstream = self.component.calls.iter().find(|u| u.variable == name);
        upstream
            .and_then(|u| crate::registry::find(u.component))
            .and_then(|c| self.env.url_of(&c))
            .or_else(|| self.env.var(name))
    }

    /// A variable parsed as `T`; `None` when it is not set.
    ///
    /// # Errors
    /// [`ComponentError::Start`] naming the variable when it does not parse.
    pub fn parsed<T>(&self, name: &str) -> Result<Option<T>, ComponentError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        self.var(name)
            .map(|text| {
                text.parse()
                    .map_err(|e| self.start_error(format!("{name}={text:?}: {e}")))
            })
            .transpose()
    }

    /// The component's listener.
    ///
    /// # Errors
    /// [`ComponentError::Start`] when it cannot listen.
    /// Listening ends the component's start-up (see [`run`]): every start function reaches its
    /// backends and checks its configuration first.
    pub async fn listen(&self) -> Result<BoxListener, ComponentError> {
        let listener = self
            .env
            .listen(&self.component)
            .await
            .map_err(|e| self.start_error(e))?;
        self.serving.store(true, Ordering::Release);
        Ok(listener)
    }

    /// A start-up failure of this component.
    pub fn start_error(&self, reason: impl Into<BoxError>) -> ComponentError {
        ComponentError::Start {
            component: self.component.name,
            reason: reason.into(),
        }
    }

    /// How the component's own `run` ended.
    ///
    /// # Errors
    /// [`ComponentError::Run`] when it ended with an error.
    pub fn ended(&self, result: io::Result<()>) -> Result<(), ComponentError> {
        result.map_err(|reason| ComponentError::Run {
            component: self.component.name,
            reason,
        })
    }
}

/// Runs `component` in `env` until `shutdown` resolves: the same code in every world. The stop
/// is listened for from the first poll, start-up included: a component stopped while it still
/// waits for a backend ends at once and cleanly (a process's SIGTERM handler is installed
/// before any wait, so the signal never kills it); one stopped once it listens drains.
///
/// # Errors
/// [`ComponentError`]: it could not start, or it failed.
pub fn run(
    component: Component,
    env: Arc<dyn Environment>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Started {
    let shutdown = (Box::pin(shutdown) as Shutdown).shared();
    let serving = Arc::new(AtomicBool::new(false));
    let cx = Context {
        component,
        env,
        serving: serving.clone(),
    };
    let started = (component.start)(cx, Box::pin(shutdown.clone()));
    Box::pin(stop_while_starting(
        component.name,
        started,
        shutdown,
        serving,
    ))
}

async fn stop_while_starting(
    component: &'static str,
    mut started: Started,
    shutdown: impl Future<Output = ()>,
    serving: Arc<AtomicBool>,
) -> Result<(), ComponentError> {
    tokio::select! {
        biased;
        result = &mut started => return result,
        () = shutdown => {}
    }
    if serving.load(Ordering::Acquire) || mutant::active(Mutant::IgnoreStopDuringStartUp) {
        return started.await;
    }
    tracing::info!(component, "stopped while starting");
    Ok(())
}
