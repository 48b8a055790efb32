//! The embedded world: every component on the same in-memory backends, on listeners bound on
//! 127.0.0.1 before any component starts (so each knows where the others are), with the system
//! clock and the OS's randomness.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use saga_components::{BoxError, BoxListener, Component, Environment};
use saga_core::ports::{
    Clock, DecisionStore, DeliveryStore, Entropy, EventBus, OrderStore, OsEntropy, SystemClock,
};
use saga_explorer::Reading;
use saga_runtime::net::{Dialer, TcpDialer};
use tokio::net::TcpListener;

use super::MemoryBackends;

/// Shared by every embedded component.
pub(super) struct EmbeddedEnvironment {
    pub backends: MemoryBackends,
    /// Configuration variables, as a process environment would give them.
    pub vars: BTreeMap<String, String>,
    pub addresses: BTreeMap<&'static str, SocketAddr>,
    listeners: Mutex<BTreeMap<&'static str, TcpListener>>,
}

impl EmbeddedEnvironment {
    /// Binds every component's listener: on its port from `ports`, or any free one.
    pub async fn bind(
        backends: MemoryBackends,
        vars: BTreeMap<String, String>,
        ports: &BTreeMap<&'static str, u16>,
        components: &[Component],
    ) -> io::Result<Self> {
        let mut listeners = BTreeMap::new();
        let mut addresses = BTreeMap::new();
        for component in components {
            let port = ports.get(component.name).copied().unwrap_or(0);
            let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
                io::Error::new(e.kind(), format!("cannot listen on 127.0.0.1:{port}: {e}"))
            })?;
            addresses.insert(component.name, listener.local_addr()?);
            listeners.insert(component.name, listener);
        }
        Ok(Self {
            backends,
            vars,
            addresses,
            listeners: Mutex::new(listeners),
        })
    }
}

#[async_trait]
impl Environment for EmbeddedEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }

    fn url_of(&self, component: &Component) -> Option<String> {
        self.addresses
            .get(component.name)
            .map(|addr| format!("http://{addr}"))
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

    async fn listen(&self, component: &Component) -> io::Result<BoxListener> {
        let listener = self
            .listeners
            .lock()
            .expect("listener lock poisoned")
            .remove(component.name);
        let listener = listener.ok_or_else(|| {
            io::Error::other(format!("{component} has no listener (started twice?)"))
        })?;
        Ok(BoxListener::new(listener))
    }

    async fn order_store(&self) -> Result<Arc<dyn OrderStore>, BoxError> {
        Ok(self.backends.store())
    }

    async fn event_bus(&self) -> Result<Arc<dyn EventBus>, BoxError> {
        Ok(self.backends.bus())
    }

    async fn decision_store(&self) -> Result<Arc<dyn DecisionStore>, BoxError> {
        Ok(self.backends.decisions())
    }

    async fn delivery_store(&self) -> Result<Arc<dyn DeliveryStore>, BoxError> {
        Ok(self.backends.deliveries())
    }

    async fn dead_letters(&self) -> Result<Arc<dyn saga_core::ports::DeadLetterStore>, BoxError> {
        Ok(self.backends.dead_letters())
    }

    async fn dead_letter_ledger(
        &self,
    ) -> Result<Arc<dyn saga_core::ports::DeadLetterLedger>, BoxError> {
        Ok(self.backends.dead_letter_ledger())
    }

    async fn saga_reading(&self) -> Result<Reading, BoxError> {
        Ok(Reading::Snapshots(Arc::new(self.backends.clone())))
    }

    async fn audit_feed(&self) -> Result<Arc<dyn saga_core::ports::AuditFeed>, BoxError> {
        Ok(Arc::new(saga_memory::MemoryAuditFeed {
            orders: self.backends.store.clone(),
            deliveries: self.backends.deliveries.clone(),
        }))
    }
}
