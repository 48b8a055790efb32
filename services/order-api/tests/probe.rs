//! The readiness probe answers within its own deadline when the database stops answering: a
//! store whose `ping` never returns (a black-holed link, a pool retrying a dead server) gets a
//! 503 after `PROBE_DEADLINE`, not after the call deadline. Paused time, so it takes no wall time.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use saga_core::domain::{Order, OrderId};
use saga_core::ports::{
    ApplyOutcome, CreateOutcome, NewOrder, OrderStore, OutboxBacklog, OutboxClaim,
    PaymentApplication, PortError, PruneCutoffs, Pruned, Redrive, SeededEntropy, StatusChange,
    SystemClock,
};
use saga_memory::MemoryOrderStore;
use saga_order_api::PROBE_DEADLINE;
use saga_order_api::{OrderApiConfig, OrderApiDeps};
use time::OffsetDateTime;
use tower::ServiceExt;

/// The memory store, except that `ping` never answers.
struct Silent(MemoryOrderStore);

#[async_trait]
impl OrderStore for Silent {
    async fn create_order(&self, new: NewOrder) -> Result<CreateOutcome, PortError> {
        self.0.create_order(new).await
    }
    async fn get_order(&self, id: OrderId) -> Result<Option<Order>, PortError> {
        self.0.get_order(id).await
    }
    async fn claim_outbox(&self, limit: usize) -> Result<Box<dyn OutboxClaim>, PortError> {
        self.0.claim_outbox(limit).await
    }
    async fn wait_for_outbox(&self, max_wait: Duration) {
        self.0.wait_for_outbox(max_wait).await;
    }
    async fn database_time(&self) -> Result<OffsetDateTime, PortError> {
        self.0.database_time().await
    }
    async fn apply_payment(&self, apply: PaymentApplication) -> Result<ApplyOutcome, PortError> {
        self.0.apply_payment(apply).await
    }
    async fn status_history(&self, id: OrderId) -> Result<Vec<StatusChange>, PortError> {
        self.0.status_history(id).await
    }
    async fn redrive_stuck(
        &self,
        cutoff: OffsetDateTime,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Redrive, PortError> {
        self.0.redrive_stuck(cutoff, now, limit).await
    }
    async fn prune(&self, cutoffs: PruneCutoffs) -> Result<Pruned, PortError> {
        self.0.prune(cutoffs).await
    }
    async fn outbox_backlog(&self) -> Result<OutboxBacklog, PortError> {
        self.0.outbox_backlog().await
    }
    async fn ping(&self) -> Result<(), PortError> {
        std::future::pending().await
    }
}

#[tokio::test(start_paused = true)]
async fn health_answers_503_within_its_deadline_when_the_database_is_silent() {
    let deps = OrderApiDeps {
        store: Arc::new(Silent(MemoryOrderStore::new())),
        clock: Arc::new(SystemClock),
        entropy: Arc::new(SeededEntropy::new(1)),
    };
    let app = saga_order_api::router(deps, OrderApiConfig::default());
    let started = tokio::time::Instant::now();
    let request = Request::get("/health").body(Body::empty()).unwrap();
    let response = tokio::time::timeout(PROBE_DEADLINE * 10, app.oneshot(request))
        .await
        .expect("/health answers while the database is silent")
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(started.elapsed(), PROBE_DEADLINE);
}
