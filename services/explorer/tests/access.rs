//! Who gets in: with keys configured every page answers 401 without one; a client key sees only
//! its own orders and no operator page; a POST without the page's token, or from another
//! site, is refused before anything is read; the login form keeps the key in a cookie; an
//! explorer without keys says on every page that it is open.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use saga_api::auth::{ApiKeys, Role, entry};
use saga_core::ports::{FixedClock, PortError};
use saga_core::snapshot::SystemSnapshot;
use saga_core::{CorrelationId, Item, Order, OrderId, OrderStatus, Owner};
use saga_explorer::{DeadLetterDeps, ExplorerConfig, ExplorerDeps, Reading, SagaSource};
use saga_memory::{MemoryDeadLetterLedger, MemoryDeadLetters, MemoryEventBus};
use time::macros::datetime;
use tower::ServiceExt;

const SECRET: &str = "test-secret";

/// Two orders, one per owner; counts every read.
#[derive(Default)]
struct Counted {
    reads: AtomicUsize,
}

fn order(id: i64, owner: &str) -> Order {
    let at = datetime!(2026-12-05 09:00 UTC);
    Order {
        id: OrderId::new(id).unwrap(),
        item: Item::parse(format!("item of {owner}")).unwrap(),
        status: OrderStatus::Completed,
        correlation_id: CorrelationId::parse("c-1").unwrap(),
        idempotency_key: None,
        owner: Some(Owner::parse(owner).unwrap()),
        created_at: at,
        updated_at: at,
    }
}

#[async_trait]
impl SagaSource for Counted {
    async fn snapshot(&self) -> Result<SystemSnapshot, PortError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let mut snapshot = SystemSnapshot::default();
        snapshot.store.orders = vec![order(1, "shop"), order(2, "other")];
        Ok(snapshot)
    }
}

fn keys() -> ApiKeys {
    let owner = |name: &str| Owner::parse(name).unwrap();
    ApiKeys::parse(&format!(
        "{},{}",
        entry(&owner("ops"), Role::Operator, "op-key"),
        entry(&owner("shop"), Role::Client, "client-key")
    ))
    .unwrap()
}

fn app(source: Arc<Counted>, keys: Option<ApiKeys>) -> axum::Router {
    let bus = MemoryEventBus::new(1);
    let deps = ExplorerDeps {
        reading: Reading::Snapshots(source),
        clock: Arc::new(FixedClock::new(datetime!(2026-12-05 10:00 UTC))),
        dead_letters: Some(DeadLetterDeps {
            bus: Arc::new(bus),
            table: Arc::new(MemoryDeadLetters::new()),
            ledger: Arc::new(MemoryDeadLetterLedger::new()),
        }),
        keys: keys.map(Arc::new),
        csrf_secret: SECRET.into(),
    };
    saga_explorer::router(deps, ExplorerConfig::default())
}

async fn send(app: &axum::Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

fn get(uri: &str, key: Option<&str>) -> Request<Body> {
    let mut request = Request::get(uri);
    if let Some(key) = key {
        request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    request.body(Body::empty()).unwrap()
}

fn post(form: String, key: &str, origin: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/dead-letters")
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::AUTHORIZATION, format!("Bearer {key}"));
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    request.body(Body::from(form)).unwrap()
}

#[tokio::test]
async fn without_a_key_every_page_is_401() {
    let app = app(Arc::default(), Some(keys()));
    for uri in ["/", "/orders/1", "/dead-letters", "/saga-health"] {
        let (status, page) = send(&app, get(uri, None)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
        assert!(page.contains("name=\"key\""), "{uri}: the login form");
        let (status, _) = send(&app, get(uri, Some("not-a-key"))).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{uri} with an unknown key"
        );
    }
    let (status, _) = send(&app, get("/health", None)).await;
    assert_ne!(status, StatusCode::UNAUTHORIZED, "probes stay open");
}

#[tokio::test]
async fn a_client_key_sees_its_own_orders_and_no_operator_page() {
    let app = app(Arc::default(), Some(keys()));
    let (status, page) = send(&app, get("/", Some("client-key"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("href=\"/orders/1\""), "{page}");
    assert!(
        !page.contains("href=\"/orders/2\""),
        "another owner's order: {page}"
    );
    let (status, _) = send(&app, get("/orders/2", Some("client-key"))).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another owner's order is as good as absent"
    );
    let (status, _) = send(&app, get("/orders/1", Some("client-key"))).await;
    assert_eq!(status, StatusCode::OK);
    for uri in ["/dead-letters", "/saga-health"] {
        let (status, _) = send(&app, get(uri, Some("client-key"))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
    }
    let (_, page) = send(&app, get("/", Some("op-key"))).await;
    assert!(
        page.contains("href=\"/orders/2\""),
        "an operator sees all: {page}"
    );
    assert!(!page.contains("id=\"open\""), "not open: {page}");
}

#[tokio::test]
async fn a_refused_post_reads_nothing() {
    let source = Arc::new(Counted::default());
    let app = app(source.clone(), Some(keys()));
    let token = saga_explorer::csrf_token(SECRET, "op-key");
    let id = "act=discard:00000000-0000-0000-0000-000000000001";
    let refusals = [
        post(format!("{id}&why=x"), "op-key", None),
        post(format!("{id}&csrf=forged"), "op-key", None),
        post(
            format!("{id}&csrf={token}"),
            "op-key",
            Some("http://evil.example"),
        ),
        post(format!("{id}&csrf={token}"), "client-key", None),
    ];
    for request in refusals {
        let (status, page) = send(&app, request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    }
    assert_eq!(
        source.reads.load(Ordering::SeqCst),
        0,
        "a refused POST read the state"
    );
    let same_site = post(
        format!("{id}&csrf={token}"),
        "op-key",
        Some("http://127.0.0.1:8080"),
    );
    let (status, page) = send(&app, same_site).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "accepted, and no such letter: {page}"
    );
    assert!(source.reads.load(Ordering::SeqCst) > 0);
}

#[tokio::test]
async fn the_login_form_keeps_the_key_in_a_strict_cookie() {
    let app = app(Arc::default(), Some(keys()));
    let login = |key: &str| {
        Request::post("/login")
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("key={key}")))
            .unwrap()
    };
    let refused = app.clone().oneshot(login("nope")).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let accepted = app.clone().oneshot(login("op-key")).await.unwrap();
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    let cookie = accepted.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap();
    let with_cookie = Request::get("/")
        .header(header::COOKIE, pair)
        .body(Body::empty())
        .unwrap();
    let (status, _) = send(&app, with_cookie).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_open_explorer_says_so_on_every_page() {
    let app = app(Arc::default(), None);
    for uri in ["/", "/orders/1", "/dead-letters", "/saga-health"] {
        let (status, page) = send(&app, get(uri, None)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(page.contains("id=\"open\""), "{uri}: {page}");
    }
}
