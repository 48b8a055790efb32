//! Several components in one process, each on its own task: started together, watched for
//! the first to stop, stopped together. What `saga all` and the embedded demo use.

use std::collections::BTreeMap;
use std::sync::Arc;

use saga_runtime::CancellationToken;
use tokio::task::{Id, JoinError, JoinSet};

use crate::component::{Component, ComponentError, run};
use crate::environment::Environment;

/// How one component ended.
#[derive(Debug)]
pub struct Stopped {
    pub component: &'static str,
    pub result: Result<(), ComponentError>,
}

/// Components running on tasks of the current runtime.
#[derive(Default)]
pub struct Running {
    tasks: JoinSet<Result<(), ComponentError>>,
    names: BTreeMap<Id, &'static str>,
    token: CancellationToken,
}

impl Running {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts `component` in `env`; it runs until [`Running::shutdown`].
    pub fn spawn(&mut self, component: Component, env: Arc<dyn Environment>) {
        let stop = self.token.clone().cancelled_owned();
        let handle = self.tasks.spawn(run(component, env, stop));
        self.names.insert(handle.id(), component.name);
    }

    /// Resolves when any component stops on its own (only an error or a panic makes one);
    /// `None` when none is running.
    pub async fn any_stopped(&mut self) -> Option<Stopped> {
        let joined = self.tasks.join_next_with_id().await?;
        Some(self.stopped(joined))
    }

    /// Stops every component gracefully; returns how each ended.
    pub async fn shutdown(mut self) -> Vec<Stopped> {
        self.token.cancel();
        let mut ended = Vec::new();
        while let Some(joined) = self.tasks.join_next_with_id().await {
            ended.push(self.stopped(joined));
        }
        ended
    }

    fn stopped(&mut self, joined: Result<(Id, Result<(), ComponentError>), JoinError>) -> Stopped {
        match joined {
            Ok((id, result)) => Stopped {
                component: self.names.remove(&id).unwrap_or("?"),
                result,
            },
            Err(error) => {
                let component = self.names.remove(&error.id()).unwrap_or("?");
                let message = if error.is_panic() {
                    panic_message(error.into_panic())
                } else {
                    "cancelled".to_owned()
                };
                Stopped {
                    component,
                    result: Err(ComponentError::Panicked { component, message }),
                }
            }
        }
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

#[cfg(test)]
mod tests {
    use std::io;

    use async_trait::async_trait;
    use saga_core::ports::{
        Clock, DecisionStore, DeliveryStore, Entropy, EventBus, OrderStore, OsEntropy, SystemClock,
    };
    use saga_runtime::net::{Dialer, TcpDialer};

    use super::*;
    use crate::component::{Context, Serves, Shutdown, Started};
    use crate::environment::BoxError;
    use crate::listener::BoxListener;

    /// An environment with no backends: the test components below ask for none. It listens
    /// on loopback when `listens`, and sets only `vars`.
    struct Bare {
        listens: bool,
        vars: &'static [(&'static str, &'static str)],
    }

    const BARE: Bare = Bare {
        listens: false,
        vars: &[],
    };

    #[async_trait]
    impl Environment for Bare {
        fn var(&self, name: &str) -> Option<String> {
            let set = self.vars.iter().find(|(n, _)| *n == name);
            set.map(|(_, value)| (*value).to_owned())
        }
        fn url_of(&self, _: &Component) -> Option<String> {
            None
        }
        fn clock(&self) -> Arc<dyn Clock> {
            Arc::new(SystemClock)
        }
        fn entropy(&self) -> Arc<dyn Entropy> {
            Arc::new(OsEntropy)
        }
        fn dialer(&self) -> Arc<dyn Dialer> {
            Arc::new(TcpDialer)
        }
        async fn listen(&self, _: &Component) -> io::Result<BoxListener> {
            if !self.listens {
                return Err(io::Error::other("no listeners here"));
            }
            Ok(BoxListener::new(
                tokio::net::TcpListener::bind("127.0.0.1:0").await?,
            ))
        }
        async fn order_store(&self) -> Result<Arc<dyn OrderStore>, BoxError> {
            Err("no order store".into())
        }
        async fn event_bus(&self) -> Result<Arc<dyn EventBus>, BoxError> {
            Err("no event bus".into())
        }
        async fn decision_store(&self) -> Result<Arc<dyn DecisionStore>, BoxError> {
            Err("no decision store".into())
        }
        async fn delivery_store(&self) -> Result<Arc<dyn DeliveryStore>, BoxError> {
            Err("no delivery store".into())
        }
        async fn dead_letters(
            &self,
        ) -> Result<Arc<dyn saga_core::ports::DeadLetterStore>, BoxError> {
            Err("no dead-letter store".into())
        }
    }

    fn component(name: &'static str, start: fn(Context, Shutdown) -> Started) -> Component {
        Component {
            name,
            about: "",
            serves: Serves::Ops,
            default_port: 1,
            backends: &[],
            calls: &[],
            scales_out: false,
            start,
        }
    }

    fn waits(_: Context, shutdown: Shutdown) -> Started {
        Box::pin(async move {
            shutdown.await;
            Ok(())
        })
    }

    fn panics(_: Context, _: Shutdown) -> Started {
        Box::pin(async { panic!("boom") })
    }

    fn cannot_listen(cx: Context, _: Shutdown) -> Started {
        Box::pin(async move { cx.listen().await.map(drop) })
    }

    #[tokio::test]
    async fn a_panic_is_reported_with_its_component() {
        let mut running = Running::new();
        running.spawn(component("patient", waits), Arc::new(BARE));
        running.spawn(component("doomed", panics), Arc::new(BARE));
        let stopped = running.any_stopped().await.unwrap();
        assert_eq!(stopped.component, "doomed");
        let error = stopped.result.unwrap_err();
        assert_eq!(error.to_string(), "doomed panicked: boom");
        let rest = running.shutdown().await;
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].component, "patient");
        assert!(rest[0].result.is_ok());
    }

    #[tokio::test]
    async fn a_start_error_names_the_component_and_the_cause() {
        let mut running = Running::new();
        running.spawn(component("deaf", cannot_listen), Arc::new(BARE));
        let stopped = running.any_stopped().await.unwrap();
        let error = stopped.result.unwrap_err();
        assert_eq!(error.component(), "deaf");
        assert_eq!(error.to_string(), "deaf: no listeners here");
    }

    #[tokio::test]
    async fn a_schema_this_release_does_not_know_is_refused_before_any_backend() {
        for component in [crate::registry::ORDER_API, crate::registry::PAYMENT_WORKER] {
            let mut running = Running::new();
            let env = Bare {
                listens: false,
                vars: &[("EVENT_SCHEMA_VERSION", "3")],
            };
            running.spawn(component, Arc::new(env));
            let error = running.any_stopped().await.unwrap().result.unwrap_err();
            let text = error.to_string();
            assert!(text.contains("EVENT_SCHEMA_VERSION"), "{text}");
            assert!(!text.contains("no order store"), "{text}");
        }
    }

    /// Reaches a backend that never answers, then would listen.
    fn stuck_starting(cx: Context, shutdown: Shutdown) -> Started {
        Box::pin(async move {
            std::future::pending::<()>().await;
            let _listener = cx.listen().await?;
            shutdown.await;
            Ok(())
        })
    }

    /// Listens, then on its stop drains: it reports the drain through `DRAINED`.
    fn drains(cx: Context, shutdown: Shutdown) -> Started {
        Box::pin(async move {
            let _listener = cx.listen().await?;
            LISTENING.notify_one();
            shutdown.await;
            tokio::task::yield_now().await;
            DRAINED.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        })
    }

    static LISTENING: tokio::sync::Notify = tokio::sync::Notify::const_new();
    static DRAINED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

    async fn stopped_by(rx: tokio::sync::oneshot::Receiver<()>) {
        let _ = rx.await;
    }

    #[tokio::test]
    async fn a_stop_during_start_up_ends_the_component_at_once_and_cleanly() {
        let (stop, rx) = tokio::sync::oneshot::channel();
        let comp = component("starting", stuck_starting);
        let started = crate::component::run(comp, Arc::new(BARE), stopped_by(rx));
        stop.send(()).unwrap();
        let ended = tokio::time::timeout(std::time::Duration::from_secs(5), started).await;
        assert!(matches!(ended, Ok(Ok(()))), "{ended:?}");
    }

    #[tokio::test]
    async fn a_stop_once_listening_lets_the_component_drain() {
        let (stop, rx) = tokio::sync::oneshot::channel();
        let comp = component("serving", drains);
        let env = Arc::new(Bare {
            listens: true,
            vars: &[],
        });
        let started = tokio::spawn(crate::component::run(comp, env, stopped_by(rx)));
        LISTENING.notified().await;
        stop.send(()).unwrap();
        started.await.unwrap().unwrap();
        assert!(DRAINED.load(std::sync::atomic::Ordering::SeqCst));
    }
}
