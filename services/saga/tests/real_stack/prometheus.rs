//! The dashboard and the alert rules against a real Prometheus (`scripts/stack up prometheus`)
//! scraping a real run: a workload that places orders, dead-letters a record, re-drives
//! orders the payment worker was not there for, and is refused without a key; then every
//! panel's query in deploy/grafana/order-saga.json and every alert rule Prometheus loaded from
//! deploy/prometheus/alerts.yml must return data. An alert's expression is run with its
//! comparisons made `bool`, so it answers for every series it watches, firing or not.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use saga_client::SagaClient;
use saga_components::{COMPONENTS, registry};
use saga_core::Topic;
use saga_core::ports::EventBus;
use saga_harness::DEV_API_KEY;
use serde_json::{Value, json};

use crate::deployment::Deployment;
use crate::http::{get_status, get_text};
use crate::judge::{converge, kafka, place};
use crate::{PATIENCE, SERIAL, backends, raw};

/// Prometheus's API and the directory it discovers targets in.
struct Prometheus {
    addr: SocketAddr,
    targets: PathBuf,
}

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// Prometheus as `scripts/stack env` describes it, when it is ready.
async fn prometheus() -> Option<Prometheus> {
    let url = std::env::var("PROMETHEUS_URL").unwrap_or("http://127.0.0.1:9090".into());
    let Some(targets) = std::env::var_os("PROMETHEUS_TARGETS_DIR") else {
        return saga_contract::backend::unavailable(
            "Prometheus",
            &url,
            &"PROMETHEUS_TARGETS_DIR is not set (eval \"$(scripts/stack env)\")",
        );
    };
    let addr: SocketAddr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .expect("PROMETHEUS_URL is http://HOST:PORT");
    if get_status(addr, "/-/ready").await != Some(200) {
        return saga_contract::backend::unavailable("Prometheus", &url, &"not ready");
    }
    Some(Prometheus {
        addr,
        targets: targets.into(),
    })
}

/// The deployment's components as scrape targets, in a file Prometheus watches; removed on
/// drop, so its series go stale when the test ends.
struct Targets(PathBuf);

impl Targets {
    fn write(prometheus: &Prometheus, saga: &Deployment) -> Self {
        let groups: Vec<Value> = COMPONENTS
            .iter()
            .map(|c| {
                json!({
                    "targets": [saga.addr(*c).to_string()],
                    "labels": {"job": c.name, "deployment": saga.prefix},
                })
            })
            .collect();
        let path = prometheus
            .targets
            .join(format!("{}.json", saga.prefix.trim_end_matches('-')));
        // Renamed into place: Prometheus never reads half a file.
        let partial = path.with_extension("partial");
        std::fs::write(&partial, serde_json::to_vec(&groups).unwrap()).expect("targets file");
        std::fs::rename(&partial, &path).expect("targets file");
        Self(path)
    }
}

impl Drop for Targets {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Every panel's query in the dashboard.
fn dashboard_queries() -> Vec<String> {
    let text = std::fs::read_to_string(repo_file("deploy/grafana/order-saga.json")).unwrap();
    let dashboard: Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    let panels = dashboard["panels"].as_array().expect("panels");
    let queries: Vec<String> = panels
        .iter()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .map(|t| t["expr"].as_str().expect("a target's expr").to_owned())
        .collect();
    assert!(queries.len() >= panels.len(), "a panel without a query");
    queries
}

/// Every alert rule Prometheus loaded, as `(name, query)`; they must be all of alerts.yml's.
async fn alert_queries(prometheus: &Prometheus) -> Vec<(String, String)> {
    let answer = api(prometheus, "/api/v1/rules?type=alert").await;
    let rules: Vec<(String, String)> = answer["data"]["groups"]
        .as_array()
        .expect("rule groups")
        .iter()
        .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
        .map(|r| {
            (
                r["name"].as_str().unwrap().into(),
                r["query"].as_str().unwrap().into(),
            )
        })
        .collect();
    let file = std::fs::read_to_string(repo_file("deploy/prometheus/alerts.yml")).unwrap();
    let in_file = file
        .lines()
        .filter(|l| l.trim_start().starts_with("- alert:"))
        .count();
    assert_eq!(
        rules.len(),
        in_file,
        "Prometheus loaded other rules than alerts.yml's"
    );
    rules
}

/// `query` with each comparison against a number answering 0 or 1 instead of filtering.
fn answering(query: &str) -> String {
    let mut out = query.to_owned();
    for op in [" >= ", " <= ", " == ", " != ", " > ", " < "] {
        out = out.replace(op, &format!("{}bool ", op));
    }
    out
}

async fn api(prometheus: &Prometheus, path: &str) -> Value {
    let text = get_text(prometheus.addr, path)
        .await
        .unwrap_or_else(|| panic!("Prometheus did not answer {path}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"))
}

/// How many series `query` returns now.
async fn series(prometheus: &Prometheus, query: &str) -> usize {
    let answer = api(
        prometheus,
        &format!("/api/v1/query?query={}", encoded(query)),
    )
    .await;
    assert_eq!(answer["status"], "success", "{query}: {answer}");
    answer["data"]["result"].as_array().map_or(0, Vec::len)
}

fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The relay's count of re-driven orders, from its `/metrics`.
async fn redriven(saga: &Deployment) -> u64 {
    let text = get_text(saga.addr(registry::OUTBOX_RELAY), "/metrics")
        .await
        .unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("saga_orders_redriven_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Orders, a dead letter, a refused request, and orders re-driven while the payment worker
/// was away; all of them terminal at the end.
async fn workload(saga: &mut Deployment) {
    let client = SagaClient::new(&saga.gateway_url())
        .with_api_key(DEV_API_KEY)
        .unwrap();
    let mut acknowledged = place(&client, 40, 4).await;
    let producer = saga_kafka::KafkaEventBus::connect(kafka(saga))
        .await
        .unwrap();
    producer
        .publish(vec![raw(Topic::Orders, b"\xff not json")])
        .await
        .unwrap();
    let anonymous = SagaClient::new(&saga.gateway_url());
    let refused = anonymous.place_order("no key", None).await.unwrap();
    assert_eq!(refused.status, 401, "{refused:?}");
    saga.stop(registry::PAYMENT_WORKER).await;
    acknowledged.extend(place(&client, 3, 1).await);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while redriven(saga).await == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no order was re-driven"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    saga.start(registry::PAYMENT_WORKER).await;
    let violations = converge(saga, &acknowledged, PATIENCE).await;
    assert!(violations.is_empty(), "{violations:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_panel_and_alert_rule_returns_data_from_a_real_run() {
    let _serial = SERIAL.lock().await;
    let Some(backends) = backends::available().await else {
        return;
    };
    let Some(prometheus) = prometheus().await else {
        return;
    };
    let mut saga = Deployment::new(backends, "prometheus").await;
    // The reconciler looks every second for orders PENDING for a second: the re-drive comes
    // within the test's patience.
    saga.set_env("RECONCILE_INTERVAL_SECONDS", "1");
    saga.set_env("RECONCILE_STUCK_AFTER_SECONDS", "1");
    saga.start_all().await;
    let _targets = Targets::write(&prometheus, &saga);
    workload(&mut saga).await;

    let mut queries = dashboard_queries();
    let alerts = alert_queries(&prometheus).await;
    queries.extend(alerts.iter().map(|(_, q)| answering(q)));
    // Prometheus scrapes every few seconds: each query answers once the run's series are in.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut empty = Vec::new();
        for query in &queries {
            if series(&prometheus, query).await == 0 {
                empty.push(query.clone());
            }
        }
        if empty.is_empty() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no data for {empty:#?} (alerts: {alerts:?})"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// `promtool check rules` and the rules' unit tests (deploy/prometheus/alerts.test.yml: each
/// alert fires on its condition and not otherwise).
#[test]
fn the_alert_rules_check_and_their_unit_tests_pass() {
    for args in [
        ["check", "rules", "deploy/prometheus/alerts.yml"],
        ["test", "rules", "deploy/prometheus/alerts.test.yml"],
    ] {
        let output = match std::process::Command::new("promtool")
            .args(args)
            .current_dir(repo_file("."))
            .output()
        {
            Ok(output) => output,
            Err(e) => {
                let _: Option<()> = saga_contract::backend::unavailable("promtool", "PATH", &e);
                return;
            }
        };
        assert!(
            output.status.success(),
            "promtool {}:\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Not a check: a three-minute run for the dashboard's picture (docs/observability.md).
/// Orders at a steady pace, two undecodable records, the payment worker away for 30 s (lag,
/// stuck orders, re-drives) and refused requests, while Prometheus scrapes; then
/// `scripts/plot-dashboard --minutes 4` draws it.
///
///   cargo test -p saga --test real_stack prometheus::a_run_to_draw -- --ignored
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a three-minute run for a figure; run it by name"]
async fn a_run_to_draw() {
    let _serial = SERIAL.lock().await;
    let (Some(backends), Some(prometheus)) = (backends::available().await, prometheus().await)
    else {
        return;
    };
    let mut saga = Deployment::new(backends, "prometheus-figure").await;
    saga.set_env("RECONCILE_STUCK_AFTER_SECONDS", "5");
    saga.start_all().await;
    let _targets = Targets::write(&prometheus, &saga);
    let client = SagaClient::new(&saga.gateway_url())
        .with_api_key(DEV_API_KEY)
        .unwrap();
    let anonymous = SagaClient::new(&saga.gateway_url());
    let producer = saga_kafka::KafkaEventBus::connect(kafka(&saga))
        .await
        .unwrap();
    let mut acknowledged = Vec::new();
    // A pace, not a wait: one batch of orders a second.
    let mut pace = tokio::time::interval(Duration::from_secs(1));
    for second in 0..180 {
        pace.tick().await;
        acknowledged.extend(place(&client, 4, 4).await);
        match second {
            30 | 40 => producer
                .publish(vec![raw(Topic::Orders, b"\xff not json")])
                .await
                .unwrap(),
            60 => saga.stop(registry::PAYMENT_WORKER).await,
            90 => saga.start(registry::PAYMENT_WORKER).await,
            s if s % 10 == 5 => {
                let _ = anonymous.place_order("no key", None).await;
            }
            _ => {}
        }
    }
    let violations = converge(&saga, &acknowledged, PATIENCE).await;
    assert!(violations.is_empty(), "{violations:#?}");
}
