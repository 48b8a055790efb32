//! The real world: PostgreSQL, Kafka and Redis from the process environment, TCP listeners and
//! dialer, the system clock and the OS's randomness.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use saga_components::{BoxError, BoxListener, Component, Environment};
use saga_core::ports::{
    Clock, DeadLetterStore, DecisionStore, DeliveryStore, DriftClock, Entropy, EventBus,
    OffsetClock, OrderStore, OsEntropy, SystemClock,
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
    /// The clock port: the system clock, drifting (`CLOCK_DRIFT_PER_MILLE`) from the
    /// process's start and moved by `CLOCK_OFFSET_MS`. Made once, so every port drifts from
    /// the same start.
    clock: Arc<dyn Clock>,
    postgres: OnceCell<Postgres>,
}

/// The variable that skews the clock port.
pub const CLOCK_OFFSET: &str = "CLOCK_OFFSET_MS";

/// The variable that makes the clock port run fast or slow.
pub const CLOCK_DRIFT: &str = "CLOCK_DRIFT_PER_MILLE";

/// `CLOCK_DRIFT_PER_MILLE` as read from `value`: thousandths of the time elapsed since the
/// process started that its clock port gains (negative: loses), from -999 (the clock still
/// moves forward) to 1000; zero when unset.
///
/// # Errors
/// A message naming the variable when it is not an integer in that range.
pub fn clock_drift(value: Option<&str>) -> Result<i64, String> {
    let Some(text) = value else {
        return Ok(0);
    };
    match text.trim().parse::<i64>() {
        Ok(per_mille) if (-999..=1000).contains(&per_mille) => Ok(per_mille),
        _ => Err(format!(
            "{CLOCK_DRIFT}: expected thousandths of elapsed time, an integer from -999 (the \
             clock must still move forward) to 1000, got {text:?}"
        )),
    }
}

/// The clock port `CLOCK_OFFSET_MS` and `CLOCK_DRIFT_PER_MILLE` ask for, drifting from now.
fn skewed_clock(offset: time::Duration, per_mille: i64) -> Arc<dyn Clock> {
    let mut clock: Arc<dyn Clock> = Arc::new(SystemClock);
    if per_mille != 0 {
        clock = Arc::new(DriftClock::new(clock, per_mille));
    }
    if !offset.is_zero() {
        clock = Arc::new(OffsetClock::new(clock, offset));
    }
    clock
}

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
    /// `CLOCK_OFFSET_MS` or `CLOCK_DRIFT_PER_MILLE` malformed (the message names it).
    pub fn new(listen: SocketAddr) -> Result<Self, String> {
        let offset = clock_offset(std::env::var(CLOCK_OFFSET).ok().as_deref())?;
        let drift = clock_drift(std::env::var(CLOCK_DRIFT).ok().as_deref())?;
        Ok(Self {
            listen,
            all_in_one: false,
            clock: skewed_clock(offset, drift),
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
        self.clock.clone()
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

    #[test]
    fn the_clock_drift_is_signed_thousandths_and_a_bad_one_names_its_variable() {
        assert_eq!(clock_drift(None), Ok(0));
        assert_eq!(clock_drift(Some(" -250 ")), Ok(-250));
        assert_eq!(clock_drift(Some("1000")), Ok(1000));
        assert_eq!(clock_drift(Some("-999")), Ok(-999));
        for bad in ["", "0.5", "-1000", "1001", "fast"] {
            let error = clock_drift(Some(bad)).unwrap_err();
            assert!(error.starts_with("CLOCK_DRIFT_PER_MILLE:"), "{error}");
        }
    }

    #[test]
    fn the_clock_port_is_offset_only_when_asked() {
        let ahead = skewed_clock(time::Duration::hours(1), 0).now() - SystemClock.now();
        assert!(ahead > time::Duration::minutes(59), "{ahead}");
        let plain = skewed_clock(time::Duration::ZERO, 0).now() - SystemClock.now();
        assert!(plain.abs() < time::Duration::minutes(1), "{plain}");
    }
}
