//! The explorer in a real browser (headless Chromium over WebDriver): the embedded saga places
//! orders; the browser opens the list, filters it, follows an order to its timeline and sees
//! every step, and watches a new order appear and turn terminal on the list without a reload
//! (the page refreshes itself); then a payment that arrived before its order was dead-lettered
//! (unknown order), the order appears with its ORDER_CREATED lost, and the operator replays the
//! dead letter from the dead-letter page and sees the order it unblocked turn terminal.
//! Skips loudly without Chromium, fails under `CI=true`.
//! `SAGA_SCREENSHOTS=DIR` saves the pages as PNGs (docs/operations.md's come from here).

use std::time::Duration;

use fantoccini::{Client, Locator};
use saga::embedded::{EmbeddedOptions, EmbeddedSaga};
use saga_client::SagaClient;
use saga_core::ports::{Entropy, EventBus, NewOrder, OsEntropy, OutgoingMessage};
use saga_core::{CorrelationId, Envelope, EventBody, Item, OrderId, PaymentDecision, Topic};
use saga_harness::browser::{Browser, BrowserError};

/// A page element's wait: long enough for a refresh cycle on a loaded 2-core machine.
const PATIENCE: Duration = Duration::from_secs(30);

async fn browser() -> Option<Browser> {
    match Browser::start(PATIENCE).await {
        Ok(browser) => Some(browser),
        Err(BrowserError::Missing(what)) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("SKIPPED: no browser ({what}); scripts/browser install runs this test");
            None
        }
        Err(error) => panic!("{error}"),
    }
}

async fn text(client: &Client, css: &str) -> String {
    let found = client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(css))
        .await;
    found
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn screenshot(client: &Client, name: &str) {
    if let Ok(dir) = std::env::var("SAGA_SCREENSHOTS") {
        let png = client.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join(name), png).unwrap();
    }
}

/// Waits until the list (refreshing itself) shows `order` with a terminal status.
async fn until_terminal_on_list(client: &Client, order: i64) -> String {
    let css = format!("tr[data-order='{order}'] .status");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let status = match client.find(Locator::Css(&css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if status == "COMPLETED" || status == "CANCELLED" {
            return status;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "order {order} never turned terminal on the list ({status:?})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_follows_orders_in_a_real_browser() {
    let Some(browser) = browser().await else {
        return;
    };
    let saga = EmbeddedSaga::start(EmbeddedOptions::default())
        .await
        .unwrap();
    let explorer = format!("http://{}", saga.explorer);
    let client = SagaClient::new(&format!("http://{}", saga.gateway));
    let placed = client
        .place_all_accepted("standard meal", 5, 5)
        .await
        .unwrap();
    for ack in &placed {
        client
            .wait_terminal(ack.order_id.get(), PATIENCE)
            .await
            .unwrap();
    }
    let web = &browser.client;

    // The list: every order, its status, and counts that add up.
    web.goto(&format!("{explorer}/")).await.unwrap();
    for ack in &placed {
        let status = text(web, &format!("tr[data-order='{}'] .status", ack.order_id)).await;
        assert!(status == "COMPLETED" || status == "CANCELLED", "{status}");
    }
    let counts = text(web, "ul.counts").await;
    assert!(counts.starts_with("5 orders"), "{counts}");
    screenshot(web, "explorer-orders.png").await;

    // The filter form (a plain GET form): the status chosen narrows the list.
    let first = placed[0].order_id;
    let first_status = text(web, &format!("tr[data-order='{first}'] .status")).await;
    let form = web.find(Locator::Css("form.filters")).await.unwrap();
    form.find(Locator::Css("select[name='status']"))
        .await
        .unwrap()
        .select_by_value(&first_status)
        .await
        .unwrap();
    form.find(Locator::Css("input[name='item']"))
        .await
        .unwrap()
        .send_keys("MEAL")
        .await
        .unwrap();
    form.find(Locator::Css("button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The list page is on screen before and after the submit: wait for the filtered page's
    // address, not for an element both pages have.
    let wanted = format!("status={first_status}");
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let url = web.current_url().await.unwrap();
        if url.query().unwrap_or_default().contains(&wanted) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the filtered list never loaded: {url}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rows = web
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("table#orders tbody"))
        .await
        .unwrap();
    for row in rows.find_all(Locator::Css("tr .status")).await.unwrap() {
        assert_eq!(row.text().await.unwrap(), first_status);
    }

    // Follow the first order to its timeline: every step, with times.
    web.find(Locator::Css(&format!("a[href='/orders/{first}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let verdict = text(web, "#verdict").await;
    assert!(verdict.contains("satisfies the invariants"), "{verdict}");
    let mut steps = vec![
        "Accepted by the gateway (202)",
        "Order and outbox row committed",
        "Published",
        "Consumed: applied",
    ];
    let decided = if first_status == "COMPLETED" {
        "Payment decided: SUCCESS (first decision)"
    } else {
        "Payment decided: FAILED (first decision)"
    };
    let changed = format!("Status PENDING → {first_status}");
    steps.push(decided);
    steps.push(&changed);
    if first_status == "COMPLETED" {
        steps.push("Delivery assigned");
    }
    for step in steps {
        let when = text(web, &format!("li[data-step='{step}'] .when")).await;
        assert!(when.contains(':'), "step {step:?} has a time: {when:?}");
    }
    web.find(Locator::Css("div.chart svg"))
        .await
        .expect("the timeline chart");
    screenshot(web, "explorer-timeline.png").await;

    // Back on the list, a new order appears and turns terminal without a reload.
    web.goto(&format!("{explorer}/")).await.unwrap();
    text(web, "table#orders").await;
    let marker: String = web
        .execute(
            "document.body.dataset.marker = 'same page'; return 'ok';",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(marker, "ok");
    let late = client.place_all_accepted("late tea", 1, 1).await.unwrap()[0]
        .order_id
        .get();
    until_terminal_on_list(web, late).await;
    let kept = web
        .execute("return document.body.dataset.marker || '';", vec![])
        .await
        .unwrap();
    assert_eq!(
        kept.as_str(),
        Some("same page"),
        "the list refreshed in place, not by a reload"
    );

    replay_unblocks_an_order(&saga, web, &explorer).await;

    browser.close().await;
    saga.shutdown().await;
}

/// A PAYMENT_SUCCESS for the next order id, published before the order exists: the
/// order-status worker dead-letters it (unknown order). Then the order is inserted without
/// its outbox row (its ORDER_CREATED lost), so nothing else will ever decide it; replaying
/// the dead letter from the page completes it.
async fn replay_unblocks_an_order(saga: &EmbeddedSaga, web: &Client, explorer: &str) {
    let store = &saga.backends.store;
    let next = store
        .snapshot()
        .orders
        .iter()
        .map(|o| o.id.get())
        .max()
        .unwrap_or(0)
        + 1;
    let order = OrderId::new(next).unwrap();
    let created = OsEntropy.event_id();
    let correlation = CorrelationId::parse("browser-replay").unwrap();
    let payment = Envelope {
        event_id: OsEntropy.event_id(),
        occurred_at: time::OffsetDateTime::now_utc(),
        correlation_id: correlation.clone(),
        causation_id: Some(created),
        body: EventBody::Payment {
            order_id: order,
            decision: PaymentDecision::Success,
        },
        trace: None,
    };
    saga.backends
        .bus
        .publish(vec![OutgoingMessage {
            topic: Topic::Payments,
            key: order.key(),
            payload: payment.to_bytes(),
            correlation_id: Some(correlation.clone()),
            replay: None,
            trace: None,
        }])
        .await
        .unwrap();
    // The dead-letter page does not refresh itself (it holds a form): reload until it lists it.
    let letter = "tr[data-letter][data-reason='unknown_order'][data-topic='payments']";
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        web.goto(&format!("{explorer}/dead-letters")).await.unwrap();
        if web.find(Locator::Css(letter)).await.is_ok() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the letter is never listed"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let inserted = store.transaction(|t| {
        t.insert_order(&NewOrder {
            item: Item::parse("blocked soup").unwrap(),
            correlation_id: correlation,
            idempotency_key: None,
            owner: None,
            event_id: created,
            created_at: time::OffsetDateTime::now_utc(),
            trace: None,
            schema: saga_core::event::Schema::V1,
        })
    });
    assert_eq!(inserted.order().id, order, "the id the payment named");

    web.find(Locator::Css("input[name='why']"))
        .await
        .unwrap()
        .send_keys("order now exists")
        .await
        .unwrap();
    web.find(Locator::Css(&format!("{letter} button[value^='replay:']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let notice = text(web, "#notice").await;
    assert!(notice.starts_with("Replayed"), "{notice}");
    let status = text(web, &format!("{letter} td:nth-child(5)")).await;
    assert!(status.contains("replayed by anonymous"), "{status}");
    screenshot(web, "explorer-dead-letters.png").await;

    web.goto(&format!("{explorer}/")).await.unwrap();
    let terminal = until_terminal_on_list(web, next).await;
    assert_eq!(
        terminal, "COMPLETED",
        "the replayed payment completed the order"
    );
}
