//! The saga auditor: the invariant checker as a component of the live system. It follows the
//! order and delivery stores forward by id ([`feed`]) and `payments` as a consumer group of its
//! own ([`payments`]), and judges the checker's safety properties online
//! (`saga_checker::online`) in bounded memory ([`judge`]): each violation is counted in
//! `saga_invariant_violations_total{property}` and logged once with its order and evidence.
//! `saga_audit_behind_seconds` says how old its judgement is: the time since the start of the
//! last pass that read every table to its end; `GET /violations` lists the latest violations
//! (the explorer marks their orders). It writes nothing anywhere.

mod config;
pub mod feed;
pub mod judge;
pub mod latency;
pub mod payments;
pub mod verdicts;

use std::sync::{Arc, Mutex};

use saga_core::ports::{AuditFeed, Clock, EventBus};
use saga_runtime::health::Health;
use saga_runtime::{CancellationToken, Listener, component};

pub use config::{AuditorConfig, ConfigError};

/// How old the auditor's judgement is, in seconds.
pub const BEHIND: &str = "saga_audit_behind_seconds";
/// Rows the auditor read from the stores (orders, status changes, couriers).
pub const ROWS_READ: &str = "saga_audit_rows_read_total";

/// What the auditor reads.
#[derive(Clone)]
pub struct AuditorDeps {
    pub feed: Arc<dyn AuditFeed>,
    pub bus: Arc<dyn EventBus>,
    pub clock: Arc<dyn Clock>,
}

/// Audits until `shutdown` resolves, serving `/health` and `/metrics` on `listener`.
///
/// # Errors
/// An I/O error from the ops server, or overrunning the shutdown grace period.
pub async fn run<L>(
    deps: AuditorDeps,
    config: AuditorConfig,
    listener: L,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()>
where
    L: Listener,
    L::Addr: std::fmt::Debug,
{
    let judge = Arc::new(Mutex::new(judge::Judge::new(config.capacity)));
    let stall_after = config.interval * 120;
    let routes = verdicts::router(judge.clone());
    component::run_with_routes(
        "auditor",
        stall_after,
        listener,
        shutdown,
        routes,
        |health, token| {
            let follow = payments::follow(
                deps.bus.clone(),
                config.group.clone(),
                judge.clone(),
                token.clone(),
            );
            let read = read_stores(deps, config, judge, health, token);
            async move {
                tokio::join!(follow, read);
            }
        },
    )
    .await
}

/// Reads the stores forward every `config.interval` until `token` is cancelled.
async fn read_stores(
    deps: AuditorDeps,
    config: AuditorConfig,
    judge: Arc<Mutex<judge::Judge>>,
    health: Health,
    token: CancellationToken,
) {
    let mut cursors = feed::Cursors::default();
    let mut caught_up = deps.clock.now();
    health.set(true);
    while !token.is_cancelled() {
        let started = deps.clock.now();
        let pass = feed::pass(&*deps.feed, &mut cursors, &judge, &config);
        tokio::pin!(pass);
        // A pass through a long history takes a while: how far behind it is shows meanwhile.
        let read = loop {
            tokio::select! {
                read = &mut pass => break read,
                () = tokio::time::sleep(config.interval) => {
                    let behind = (deps.clock.now() - caught_up).as_seconds_f64().max(0.0);
                    metrics::gauge!(BEHIND).set(behind);
                }
            }
        };
        let more = match read {
            Ok((rows, more)) => {
                metrics::counter!(ROWS_READ).increment(rows as u64);
                health.progressed();
                if !more {
                    caught_up = started;
                }
                more
            }
            Err(error) => {
                tracing::warn!(%error, "auditor: reading the stores failed");
                false
            }
        };
        let behind = (deps.clock.now() - caught_up).as_seconds_f64().max(0.0);
        metrics::gauge!(BEHIND).set(behind);
        if more {
            continue;
        }
        tokio::select! {
            () = token.cancelled() => break,
            () = tokio::time::sleep(config.interval) => {}
        }
    }
}
