//! The real world: PostgreSQL, Kafka and Redis from the process environment, TCP listeners and
//! dialer, the system clock and the OS's randomness.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use saga_components::{BoxError, BoxListener, Component, Environment};
use saga_core::ports::{
    Clock, DeadLetterStore, DecisionStore, DeliveryStore, Entropy, EventBus, OffsetClock,
    OrderStore, OsEntropy, SystemClock,
};
use saga_explorer::{ExplorerConfig, Reading};
use saga_runtime::net::{Dialer, TcpDialer};
use saga_runtime::otel;
use tokio::sync::OnceCell;

use super::RealReader;
use super::backends::{Postgres, connect_bus, connect_decisions, connect_postgres};
use super::retention;

/// One component instance on the real backends: its own connections (one PostgreSQL pool
/// however many stores use it), listening on `listen`.
pub struct RealEnvironment {
    listen: SocketAddr,
    /// Every component runs in this process on its default address (`saga all`).
    all_in_one: bool,
    /// `CLOCK_OFFSET_MS`: what this process's clock port adds to the system clock.
    clock_offset: time::Duration,
    postgres: OnceCell<Postgres>,
}

/// The variable that skews the clock port.
pub const CLOCK_OFFSET: &str = "CLOCK_OFFSET_MS";

/// `CLOCK_OFFSET_MS` as read from `value`: whole milliseconds, negative for a clock behind;
/// zero when unset.
///
/// # Errors
/// A message naming the variable when it is not an integer.
pub fn clock_offset(value: Option<&str>) -> Result<time::Duration, String> {
    let Some(text) = value else {
        return Ok(time::Duration::ZERO);
    };
    text.trim()
        .parse::<i64>()
        .map(time::Duration::milliseconds)
        .map_err(|_| format!("{CLOCK_OFFSET}: expected whole milliseconds (an integer, negative for a clock behind), got {text:?}"))
}

impl RealEnvironment {
    /// A component alone in its process, listening on `listen`.
    ///
    /// # Errors
    /// `CLOCK_OFFSET_MS` malformed (the message names it).
    pub fn new(listen: SocketAddr) -> Result<Self, String> {
        let offset = std::env::var(CLOCK_OFFSET).ok();
        Ok(Self {
            listen,
            all_in_one: false,
            clock_offset: clock_offset(offset.as_deref())?,
            postgres: OnceCell::new(),
        })
    }

    /// A component beside all the others in this process, where each listens on its default
    /// address and calls the others there.
    ///
    /// # Errors
    /// As [`RealEnvironment::new`].
    pub fn all_in_one(listen: SocketAddr) -> Result<Self, String> {
        Ok(Self {
            all_in_one: true,
            ..Self::new(listen)?
        })
    }

    async fn pool(&self) -> Result<Postgres, BoxError> {
        let pool = self.postgres.get_or_try_init(connect_postgres).await;
        pool.cloned().map_err(chain)
    }
}

/// `port` decorated with spans when they are exported, bare otherwise (no cost).
pub(super) fn traced<P: ?Sized>(port: Arc<P>, wrap: impl FnOnce(Arc<P>) -> Arc<P>) -> Arc<P> {
    if otel::enabled() { wrap(port) } else { port }
}

/// The whole context chain of `error` as one message ("configuring PostgreSQL: DATABASE_URL: …").
fn chain(error: anyhow::Error) -> BoxError {
    format!("{error:#}").into()
}

#[async_trait]
impl Environment for RealEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn url_of(&self, component: &Component) -> Option<String> {
        self.all_in_one
            .then(|| format!("http://{}", component.default_listen()))
    }

    fn clock(&self) -> Arc<dyn Clock> {
        if self.clock_offset.is_zero() {
            return Arc::new(SystemClock);
        }
        Arc::new(OffsetClock::new(Arc::new(SystemClock), self.clock_offset))
    }

    fn entropy(&self) -> Arc<dyn Entropy> {
        Arc::new(OsEntropy)
    }

    fn dialer(&self) -> Arc<dyn Dialer> {
        Arc::new(TcpDialer)
    }

    async fn listen(&self, _: &Component) -> io::Result<BoxListener> {
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|e| {
                io::Error::new(e.kind(), format!("cannot listen on {}: {e}", self.listen))
            })?;
        Ok(BoxListener::new(listener))
    }

    async fn order_store(&self) -> Result<Arc<dyn OrderStore>, BoxError> {
        let store = self.pool().await?.order_store();
        Ok(traced(store, |s| Arc::new(otel::TracedOrderStore(s))))
    }

    async fn event_bus(&self) -> Result<Arc<dyn EventBus>, BoxError> {
        let bus: Arc<dyn EventBus> = connect_bus().await.map_err(chain)?;
        Ok(traced(bus, |b| Arc::new(otel::TracedBus(b))))
    }

    async fn decision_store(&self) -> Result<Arc<dyn DecisionStore>, BoxError> {
        let (store, ttl) = connect_decisions().await.map_err(chain)?;
        retention::check_decision_ttl(ttl).await.map_err(chain)?;
        Ok(store)
    }

    async fn delivery_store(&self) -> Result<Arc<dyn DeliveryStore>, BoxError> {
        let store = self.pool().await?.delivery_store();
        Ok(traced(store, |s| Arc::new(otel::TracedDeliveryStore(s))))
    }

    async fn dead_letters(&self) -> Result<Arc<dyn DeadLetterStore>, BoxError> {
        Ok(self.pool().await?.dead_letters())
    }

    async fn dead_letter_ledger(
        &self,
    ) -> Result<Arc<dyn saga_core::ports::DeadLetterLedger>, BoxError> {
        let pg = self.pool().await?;
        Ok(Arc::new(saga_postgres::PgDeadLetterLedger::new(
            pg.pool,
            pg.deadline,
        )))
    }

    async fn redelivery_window(
        &self,
        topic: saga_core::Topic,
    ) -> Result<Option<saga_core::redelivery::Window>, BoxError> {
        let window = retention::redelivery_window(topic).await.map_err(chain)?;
        Ok(Some(window))
    }

    async fn audit_feed(&self) -> Result<Arc<dyn saga_core::ports::AuditFeed>, BoxError> {
        let pg = self.pool().await?;
        Ok(Arc::new(saga_postgres::PgAuditFeed::with_deadline(
            pg.pool,
            pg.deadline,
        )))
    }

    async fn saga_reading(&self) -> Result<Reading, BoxError> {
        let config = ExplorerConfig::from_lookup(|v| std::env::var(v).ok())?;
        let reader = RealReader::connect(self.pool().await?, &config)
            .await
            .map_err(chain)?;
        Ok(Reading::Pages(Arc::new(reader)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_offset_is_signed_milliseconds_and_a_bad_one_names_its_variable() {
        assert_eq!(clock_offset(None), Ok(time::Duration::ZERO));
        assert_eq!(
            clock_offset(Some("-2500")),
            Ok(time::Duration::milliseconds(-2_500))
        );
        assert_eq!(
            clock_offset(Some(" 90000 ")),
            Ok(time::Duration::seconds(90))
        );
        for bad in ["", "1.5", "+2m", "ten"] {
            let error = clock_offset(Some(bad)).unwrap_err();
            assert!(error.starts_with("CLOCK_OFFSET_MS:"), "{error}");
        }
    }
}
