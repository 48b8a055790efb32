//! The explorer's `/health` against a source slower than the prober's patience: the chaos fleet
//! waits 2 s for each probe, and a cold Kafka (creating its offsets topic, first group lookups)
//! can take longer than that to read. CI once saw the explorer "not healthy before the faults"
//! for 90 s because every probe started a read and its timeout dropped it; the probe must answer
//! at once, and the read it started must land anyway.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use saga_core::ports::{FixedClock, PortError};
use saga_core::snapshot::SystemSnapshot;
use saga_explorer::{ExplorerConfig, ExplorerDeps, Reading, SagaSource};
use time::macros::datetime;
use tower::ServiceExt;

/// Every read takes `delay`; the reads that finished are counted.
struct Slow {
    delay: Duration,
    finished: AtomicUsize,
}

#[async_trait]
impl SagaSource for Slow {
    async fn snapshot(&self) -> Result<SystemSnapshot, PortError> {
        tokio::time::sleep(self.delay).await;
        self.finished.fetch_add(1, Ordering::SeqCst);
        Ok(SystemSnapshot::default())
    }
}

fn app(source: Arc<Slow>) -> axum::Router {
    let deps = ExplorerDeps {
        reading: Reading::Snapshots(source),
        clock: Arc::new(FixedClock::new(datetime!(2026-11-27 21:00 UTC))),
        dead_letters: None,
        keys: None,
        csrf_secret: "test".into(),
    };
    saga_explorer::router(deps, ExplorerConfig::default())
}

/// One probe as the chaos fleet sends it: `None` when it gave up after `patience`.
async fn probe(app: &axum::Router, uri: &str, patience: Duration) -> Option<(StatusCode, String)> {
    let request = Request::get(uri).body(Body::empty()).unwrap();
    let response = tokio::time::timeout(patience, app.clone().oneshot(request))
        .await
        .ok()?
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Some((status, String::from_utf8(body.to_vec()).unwrap()))
}

#[tokio::test(start_paused = true)]
async fn health_answers_at_once_and_turns_ok_once_a_slow_read_lands() {
    let source = Arc::new(Slow {
        delay: Duration::from_secs(5),
        finished: AtomicUsize::new(0),
    });
    let app = app(source.clone());
    let patience = Duration::from_secs(2);

    let (status, body) = probe(&app, "/health", patience)
        .await
        .expect("a probe never waits for a read");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("starting"), "{body}");

    // A page's caller gives up too: the read it started is not cancelled with it.
    assert!(
        probe(&app, "/", patience).await.is_none(),
        "the page waits for the slow read"
    );

    let mut healthy_after = None;
    for attempt in 1..=20 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if let Some((StatusCode::OK, _)) = probe(&app, "/health", patience).await {
            healthy_after = Some(attempt);
            break;
        }
    }
    assert!(
        healthy_after.is_some(),
        "a 5 s read never made the explorer healthy under 2 s probes"
    );
    assert_eq!(
        source.finished.load(Ordering::SeqCst),
        1,
        "the probes and the page shared one read"
    );
}
