//! The replicated-Kafka suite for CI, on a private three-node cluster stack (`--stack
//! cluster`): a partition leader SIGKILLed, a node cut off from its peers, two of three nodes
//! down — each under load, healed, judged by the checker, its failover figures printed — and a
//! component refusing to start on topics with less replication than it is configured for.
//! Without a stack it is skipped locally and fails under `CI=true`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chaos::deployment::Deployment;
use chaos::report::RunReport;
use chaos::runner::{Settings, run_scenario};
use chaos::scenario::find;
use chaos::stack::{Stack, StackMode};

const SUITE: [&str; 3] = [
    "cluster-kill-leader",
    "cluster-isolate-node",
    "cluster-two-down",
];
const SEED: u64 = 1;
const DURATION: Duration = Duration::from_secs(12);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_saga_rides_out_a_clusters_failures_and_refuses_thin_topics() {
    let stack = match Stack::open(StackMode::Cluster, false).await {
        Ok(stack) => stack,
        Err(error) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("skipping the cluster suite: no cluster stack ({error})");
            return;
        }
        Err(error) => panic!("CI=true and no cluster stack: {error}"),
    };
    assert!(stack.cluster, "the cluster stack's Kafka has one node");
    a_component_refuses_topics_with_fewer_copies_than_configured(&stack).await;
    faults_under_load_leave_no_violation(&stack).await;
}

async fn faults_under_load_leave_no_violation(stack: &Stack) {
    let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let settings = Settings {
        seed: SEED,
        duration: DURATION,
        rate: 15.0,
        patience: Duration::from_secs(120),
        exe: env!("CARGO_BIN_EXE_chaos").into(),
        logs: target.join(format!("chaos-cluster-{}", std::process::id())),
    };
    let mut reports = Vec::new();
    for name in SUITE {
        let scenario = find(name).expect("a cluster scenario");
        let report = run_scenario(stack, &scenario, &settings)
            .await
            .unwrap_or_else(|e| panic!("{name} could not be run: {e}"));
        reports.push(report);
    }
    let run = RunReport::new(SEED, reports);
    println!("{}", run.table());
    for report in &run.scenarios {
        let name = &report.scenario;
        assert!(report.acknowledged > 0, "{name}: no order was acknowledged");
        assert!(
            report.faults_failed.is_empty(),
            "{name}: faults not injected: {:?}",
            report.faults_failed
        );
        assert!(report.failover.is_some(), "{name}: no failover figures");
        assert!(
            report.passed(),
            "{name} failed (logs in {}):\n{:#?}",
            report.logs,
            report
        );
    }
}

/// Topics made with one copy, then a component started with `KAFKA_REPLICATION_FACTOR=3`: it
/// exits at once, naming a topic and the variable.
async fn a_component_refuses_topics_with_fewer_copies_than_configured(stack: &Stack) {
    let deployment = Deployment::create(&stack.endpoints, "thin-topics")
        .await
        .expect("a scratch database");
    let mut thin = saga_kafka::KafkaConfig::new(&stack.endpoints.kafka_direct);
    thin.prefix = deployment.prefix.clone();
    thin.replication = saga_kafka::Replication {
        factor: Some(1),
        min_insync: Some(1),
    };
    saga_kafka::ensure_topics(&thin)
        .await
        .expect("topics with one copy");
    let mut component = Command::new(env!("CARGO_BIN_EXE_chaos"));
    component
        .args(["component", "delivery-worker"])
        .envs(deployment.component_env())
        .env("KAFKA_REPLICATION_FACTOR", "3")
        .env("KAFKA_CONNECT_ATTEMPTS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let output = component
        .spawn()
        .expect("the component starts")
        .wait_with_output()
        .expect("the component ends");
    deployment.remove().await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "it started on thin topics:\n{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "it took {:?} to refuse",
        started.elapsed()
    );
    let topic = format!("{}orders", deployment.prefix);
    assert!(
        stderr.contains("KAFKA_REPLICATION_FACTOR") && stderr.contains(&topic),
        "the error names neither the variable nor {topic}:\n{stderr}"
    );
}
