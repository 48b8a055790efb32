//! docker-compose.yml for real: the whole stack built and started by `docker compose`, used
//! from the host as a user would. One test drives 100 orders, a PostgreSQL outage through the
//! compose Toxiproxy's API, the invariant checker over the stack's own PostgreSQL, Kafka and
//! Redis, one scenario of the compose chaos profile, and `down -v` leaving nothing behind;
//! the other scales the relay and two workers out with compose flags alone and runs 1,000
//! orders through them. Images come from the `*_IMAGE` variables (`scripts/images env` on a
//! machine without a registry), the build target from `SAGA_BUILD_TARGET`. Without Docker
//! the tests skip locally and fail under `CI=true`. `cluster.rs` runs the `cluster` profile
//! (three Kafka nodes) and kills a partition leader; `tls.rs` runs docker-compose.tls.yml (every
//! backend TLS-only). ~6 minutes together with built images.

mod cluster;
mod project;
mod tls;

use std::time::Duration;

use chaos::deployment::Deployment;
use chaos::judge::{Verdict, quiesce};
use chaos::toxiproxy::Toxiproxy;
use http::StatusCode;
use saga_client::SagaClient;
use saga_core::snapshot::{Acknowledged, Interference};
use tokio::sync::Mutex;

use crate::project::Project;

/// One project at a time: each is a dozen containers on two cores.
static SERIAL: Mutex<()> = Mutex::const_new(());

const PATIENCE: Duration = Duration::from_secs(120);

/// The checker over the compose stack's own state: the `saga` database, the unprefixed
/// topics and groups, the default decision prefix, all read from the host.
async fn check(project: &Project, acknowledged: &[Acknowledged]) -> Verdict {
    let endpoints = project.endpoints();
    let deployment = Deployment {
        database_direct: endpoints.database_direct.clone(),
        endpoints,
        prefix: String::new(),
    };
    quiesce(
        &deployment,
        acknowledged,
        &Interference::default(),
        PATIENCE,
    )
    .await
}

fn assert_clean(verdict: &Verdict, acknowledged: usize) {
    assert!(
        verdict.violations.is_empty() && verdict.unreadable.is_none(),
        "violations: {:#?}, unreadable: {:?}",
        verdict.violations,
        verdict.unreadable
    );
    assert_eq!(
        verdict.terminal, acknowledged,
        "every acknowledged order terminal"
    );
}

/// Polls `/ready` until it answers `want`; how long that took. One answer may take the
/// gateway's upstream timeout (5 s: the Order API's own check can hang while its database
/// is unreachable), so each poll waits a little longer than that.
async fn ready_becomes(client: &SagaClient, want: StatusCode, within: Duration) -> Duration {
    let started = tokio::time::Instant::now();
    loop {
        let got = tokio::time::timeout(Duration::from_secs(8), client.ready()).await;
        if matches!(got, Ok(Ok(status)) if status == want) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "/ready did not answer {want} within {within:?} (last: {got:?})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compose_up_serves_orders_rides_out_a_postgres_outage_and_leaves_nothing() {
    let _serial = SERIAL.lock().await;
    if !project::available() {
        return;
    }
    let project = Project::new("e2e");
    project.up(&[]);
    let client = SagaClient::new(&project.gateway_url())
        .with_api_key(saga_harness::DEV_API_KEY)
        .expect("the development key is a valid header");
    let mut acknowledged = client
        .place_all_accepted("compose meal", 100, 8)
        .await
        .expect("every order accepted");
    assert_clean(&check(&project, &acknowledged).await, 100);

    // PostgreSQL down for 5 s through the compose Toxiproxy's API: not ready, orders refused.
    let toxiproxy = Toxiproxy::new(&project.endpoints().toxiproxy);
    toxiproxy.set_enabled("postgres", false).await.unwrap();
    let outage = tokio::time::Instant::now();
    ready_becomes(
        &client,
        StatusCode::SERVICE_UNAVAILABLE,
        Duration::from_secs(15),
    )
    .await;
    let refused = client.place_order("during the outage", None).await.unwrap();
    assert!(refused.status.is_server_error(), "{refused:?}");
    tokio::time::sleep_until(outage + Duration::from_secs(5)).await;
    toxiproxy.set_enabled("postgres", true).await.unwrap();
    let back = ready_becomes(&client, StatusCode::OK, Duration::from_secs(60)).await;
    eprintln!("/ready answered 200 again {back:?} after PostgreSQL came back");
    acknowledged.extend(
        client
            .place_all_accepted("after the outage", 20, 4)
            .await
            .expect("every order accepted after the outage"),
    );
    assert_clean(&check(&project, &acknowledged).await, 120);

    // The compose chaos profile: the runner's own components, a Kafka latency toxic, checked.
    let chaos = project.compose_ok(&[
        "--profile",
        "chaos",
        "run",
        "--rm",
        // The chaos image is built here (its profile is not part of `up`), from these sources.
        "--build",
        "chaos",
        "run",
        "--scenario",
        "kafka-latency",
        "--seed",
        "1",
        "--duration",
        "8",
    ]);
    let verdict = chaos
        .lines()
        .find(|line| line.starts_with("kafka-latency "))
        .unwrap_or_else(|| panic!("no report row in the chaos output:\n{chaos}"));
    assert!(verdict.trim_end().ends_with("ok"), "{chaos}");

    let left = project.down();
    assert!(left.is_empty(), "docker compose down -v left {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaled_out_members_share_partitions_and_claims_over_a_thousand_orders() {
    let _serial = SERIAL.lock().await;
    if !project::available() {
        return;
    }
    let project = Project::new("scale");
    let scale = [
        ("outbox-relay", 2),
        ("payment-worker", 3),
        ("order-status-worker", 2),
    ];
    let flags: Vec<String> = scale
        .iter()
        .flat_map(|(service, n)| ["--scale".to_owned(), format!("{service}={n}")])
        .collect();
    project.up(&flags.iter().map(String::as_str).collect::<Vec<_>>());
    for (service, n) in scale {
        assert_eq!(project.running(service), n, "{service} replicas");
    }
    let client = SagaClient::new(&project.gateway_url())
        .with_api_key(saga_harness::DEV_API_KEY)
        .expect("the development key is a valid header");
    let acknowledged = client
        .place_all_accepted("scaled meal", 1000, 16)
        .await
        .expect("every order accepted");
    assert_clean(&check(&project, &acknowledged).await, 1000);

    // Every member did part of the work: relays claimed and published rows side by side, and
    // the workers' group split the three partitions between its members.
    let published = project.metric_per_replica("outbox-relay", "saga_events_published_total");
    let payments = project.metric_per_replica("payment-worker", "saga_events_consumed_total");
    let statuses = project.metric_per_replica("order-status-worker", "saga_events_consumed_total");
    eprintln!(
        "published per relay {published:?}, consumed per payment worker {payments:?}, per status worker {statuses:?}"
    );
    for (what, per_member) in [
        ("relay", &published),
        ("payment worker", &payments),
        ("order-status worker", &statuses),
    ] {
        assert!(
            per_member.iter().all(|n| *n > 0.0),
            "a {what} did nothing: {per_member:?}"
        );
    }
    assert!(published.iter().sum::<f64>() >= 1000.0, "{published:?}");
    assert!(payments.iter().sum::<f64>() >= 1000.0, "{payments:?}");

    let left = project.down();
    assert!(left.is_empty(), "docker compose down -v left {left:?}");
}
