//! The dead-letter page on the memory adapters: letters on a DLQ topic grouped by reason,
//! source topic and rejecting group; a client key may neither see nor act; an operator's Replay
//! re-publishes the original to its source topic and the page shows who replayed it and why;
//! a second Replay is refused; Discard closes a letter; the health page counts them.

use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use saga_api::auth::{ApiKeys, Role, entry};
use saga_core::event::{Original, RejectedBy, Rejection, RejectionCode, RejectionSource};
use saga_core::ports::{FixedClock, OutgoingMessage, PortError};
use saga_core::snapshot::SystemSnapshot;
use saga_core::{Envelope, EventId, Owner, Topic};
use saga_explorer::{DeadLetterDeps, ExplorerConfig, ExplorerDeps, Reading, SagaSource};
use saga_memory::{MemoryDeadLetterLedger, MemoryDeadLetters, MemoryEventBus};
use time::macros::datetime;
use tower::ServiceExt;

#[derive(Clone)]
struct Bus(MemoryEventBus);

#[async_trait]
impl SagaSource for Bus {
    async fn snapshot(&self) -> Result<SystemSnapshot, PortError> {
        Ok(SystemSnapshot {
            bus: self.0.snapshot(),
            ..SystemSnapshot::default()
        })
    }
}

fn letter(n: u128, group: &str, payload: &[u8]) -> OutgoingMessage {
    let envelope = Envelope::rejected(
        EventId::from_random_bits(n),
        datetime!(2026-11-27 10:00 UTC),
        Rejection {
            code: RejectionCode::Undecodable,
            reason: "expected value at line 1".into(),
            source: RejectionSource {
                topic: Topic::Orders,
                partition: 0,
                offset: 7,
                key: Some("junk".into()),
                correlation_id: None,
            },
            rejected_by: RejectedBy {
                group: group.into(),
                component: group.into(),
            },
            attempts: 1,
            original: Original::whole(payload.to_vec()),
            replay_count: 0,
        },
    );
    OutgoingMessage {
        topic: Topic::OrdersDlq,
        key: "junk".into(),
        payload: envelope.to_bytes(),
        correlation_id: None,
        replay: None,
        trace: None,
    }
}

async fn send(app: &axum::Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

const SECRET: &str = "test-secret";

/// A POST of the page's form by the holder of `key`, with their token.
fn post(key: &str, form: &str) -> Request<Body> {
    let csrf = saga_explorer::csrf_token(SECRET, key);
    Request::post("/dead-letters")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .body(Body::from(format!("{form}&csrf={csrf}")))
        .unwrap()
}

fn get_as(key: &str, uri: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn letters_are_grouped_and_replayed_or_discarded_by_operators_only() {
    let bus = MemoryEventBus::new(1);
    bus.append(&[
        letter(1, "payment-worker", b"<not json>"),
        letter(2, "delivery-worker", b"<not json>"),
    ]);
    let owner = |name: &str| Owner::parse(name).unwrap();
    let keys = ApiKeys::parse(&format!(
        "{},{}",
        entry(&owner("ops"), Role::Operator, "op-key"),
        entry(&owner("shop"), Role::Client, "client-key")
    ))
    .unwrap();
    let ledger = MemoryDeadLetterLedger::new();
    let deps = ExplorerDeps {
        reading: Reading::Snapshots(Arc::new(Bus(bus.clone()))),
        clock: Arc::new(FixedClock::new(datetime!(2026-11-27 11:00 UTC))),
        dead_letters: Some(DeadLetterDeps {
            bus: Arc::new(bus.clone()),
            table: Arc::new(MemoryDeadLetters::new()),
            ledger: Arc::new(ledger),
        }),
        keys: Some(Arc::new(keys)),
        csrf_secret: SECRET.into(),
    };
    let app = saga_explorer::router(deps, ExplorerConfig::default());
    let (status, _) = send(&app, get_as("client-key", "/dead-letters")).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a client key sees no dead letters"
    );
    let (status, page) = send(&app, get_as("op-key", "/dead-letters")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<td class=\"group\">payment-worker</td>"),
        "{page}"
    );
    assert!(page.contains("<td class=\"group\">delivery-worker</td>"));
    assert!(
        page.contains("&lt;not json&gt;"),
        "the payload preview, escaped"
    );
    assert!(page.contains("<b id=\"open-count\">2</b>"));

    let first = EventId::from_random_bits(1);
    let (status, page) = send(
        &app,
        post("client-key", &format!("act=replay:{first}&why=x")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("shop is a client key"), "{page}");

    let (status, page) = send(
        &app,
        post("op-key", &format!("act=replay:{first}&why=parser+fixed")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Replayed"), "{page}");
    let replayed: Vec<_> = bus
        .snapshot()
        .records
        .into_iter()
        .filter(|r| r.topic == Topic::Orders)
        .collect();
    assert_eq!(replayed.len(), 1);
    assert_eq!(replayed[0].payload, b"<not json>");
    assert!(page.contains("<b id=\"open-count\">1</b>"), "{page}");

    let (status, page) = send(&app, post("op-key", &format!("act=replay:{first}"))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("already replayed by ops"), "{page}");

    let second = EventId::from_random_bits(2);
    let (status, _) = send(
        &app,
        post("op-key", &format!("act=discard:{second}&why=junk")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = send(&app, get_as("op-key", "/dead-letters?all=on")).await;
    assert!(page.contains("<b id=\"open-count\">0</b>"), "{page}");
    assert!(page.contains("replayed by <b>ops</b>"), "{page}");
    assert!(page.contains("<i>parser fixed</i>"), "{page}");
    assert!(page.contains("discarded by <b>ops</b>"), "{page}");

    let (_, page) = send(&app, get_as("op-key", "/saga-health")).await;
    let card = &page[page.find("id=\"dlq-open\"").expect("the open count")..];
    assert!(card.contains(">0</b> open</div>"), "{card}");
    assert!(
        page.contains("1 replayed, 1 discarded, 0 in the dead_letters table"),
        "{page}"
    );
}
