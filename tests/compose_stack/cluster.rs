//! docker-compose.yml's `cluster` profile for real (with docker-compose.cluster.yml): three
//! Kafka nodes behind Toxiproxy, the saga's topics with three replicas and a minimum of two in
//! sync. 200 orders through the gateway, then the node leading `orders-0` SIGKILLed with
//! `docker compose kill` while 50 more are placed, leadership moving to a surviving node, the
//! node started again and back in sync, every order terminal and the checker clean.

use std::collections::BTreeMap;
use std::time::Duration;

use saga_client::SagaClient;
use tokio::time::Instant;

use crate::project::Project;
use crate::{SERIAL, assert_clean, check};

/// The cluster's nodes as compose services, by node id.
const NODES: [(i32, &str); 3] = [(1, "kafka-1"), (2, "kafka-2"), (3, "kafka-3")];
/// The nodes' client listeners inside the compose network (DIRECT, not proxied).
const BOOTSTRAP: &str = "kafka-1:9110,kafka-2:9120,kafka-3:9130";
const TOPICS: [&str; 4] = ["orders", "payments", "orders-dlq", "payments-dlq"];

/// One line of `kafka-topics.sh --describe`: its `Key: value` fields.
type Fields = BTreeMap<String, String>;

/// `kafka-topics.sh --describe` of the saga's topics, run in the container of `node` (one that
/// is running), as text and as fields per line.
fn describe(project: &Project, node: &str) -> (String, Vec<Fields>) {
    let text = project.compose_ok(&[
        "exec",
        "-T",
        node,
        "/opt/kafka/bin/kafka-topics.sh",
        "--bootstrap-server",
        BOOTSTRAP,
        "--describe",
        "--topic",
        &TOPICS.join("|"),
    ]);
    let lines = text
        .lines()
        .filter(|line| line.trim_start().starts_with("Topic:"))
        .map(|line| {
            line.split('\t')
                .filter_map(|field| field.trim().split_once(':'))
                .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
                .collect::<Fields>()
        })
        .collect();
    (text, lines)
}

/// The line describing `partition` of `topic`.
fn partition<'a>(lines: &'a [Fields], topic: &str, partition: i32) -> &'a Fields {
    let id = partition.to_string();
    lines
        .iter()
        .find(|f| f["Topic"] == topic && f.get("Partition") == Some(&id))
        .unwrap_or_else(|| panic!("no {topic}-{partition} in {lines:#?}"))
}

fn ids(list: &str) -> Vec<i32> {
    list.split(',')
        .filter_map(|id| id.trim().parse().ok())
        .collect()
}

/// Describes the topics on `node` until `until` holds for `orders-0` (leader, ISR), or fails
/// after `within`; how long that took.
fn wait_for(
    project: &Project,
    node: &str,
    what: &str,
    within: Duration,
    until: impl Fn(i32, &[i32]) -> bool,
) -> Duration {
    let started = std::time::Instant::now();
    loop {
        let (text, lines) = describe(project, node);
        let orders_0 = partition(&lines, "orders", 0);
        let leader = orders_0["Leader"].parse().unwrap_or(-1);
        if until(leader, &ids(&orders_0["Isr"])) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "{what}: not within {within:?}:\n{text}"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_profile_rides_out_a_partition_leader_killed() {
    let _serial = SERIAL.lock().await;
    if !crate::project::available() {
        return;
    }
    let started = Instant::now();
    let project = Project::cluster("cluster");
    project.up(&[]);
    eprintln!("cluster profile up in {:?}", started.elapsed());

    // Every topic: three replicas of each partition, all in sync, a write needs two.
    let (text, lines) = describe(&project, "kafka-1");
    eprintln!("{text}");
    for topic in TOPICS {
        let summary = lines
            .iter()
            .find(|f| f["Topic"] == topic && !f.contains_key("Partition"))
            .unwrap_or_else(|| panic!("{topic} not described:\n{text}"));
        assert_eq!(summary["ReplicationFactor"], "3", "{topic}:\n{text}");
        assert!(
            summary["Configs"]
                .split(',')
                .any(|c| c == "min.insync.replicas=2"),
            "{topic}: min ISR 2:\n{text}"
        );
        for p in 0..3 {
            let facts = partition(&lines, topic, p);
            assert_eq!(ids(&facts["Replicas"]).len(), 3, "{topic}-{p}:\n{text}");
            assert_eq!(ids(&facts["Isr"]).len(), 3, "{topic}-{p}:\n{text}");
        }
    }

    let client = SagaClient::new(&project.gateway_url())
        .with_api_key(saga_harness::DEV_API_KEY)
        .expect("the development key is a valid header");
    let mut acknowledged = client
        .place_all_accepted("cluster meal", 200, 8)
        .await
        .expect("every order accepted");

    // SIGKILL the node leading orders-0 while the saga still works through the 200 orders.
    let leader: i32 = partition(&lines, "orders", 0)["Leader"].parse().unwrap();
    let (_, killed) = NODES
        .into_iter()
        .find(|(id, _)| *id == leader)
        .unwrap_or_else(|| panic!("orders-0 led by unknown node {leader}"));
    let (_, survivor) = NODES.into_iter().find(|(id, _)| *id != leader).unwrap();
    project.compose_ok(&["kill", killed]);
    let killed_at = Instant::now();
    eprintln!("killed {killed}, the leader of orders-0");
    acknowledged.extend(
        client
            .place_all_accepted("leader down", 50, 4)
            .await
            .expect("every order accepted with a Kafka node down"),
    );
    wait_for(
        &project,
        survivor,
        "orders-0 led by a surviving node",
        Duration::from_secs(90),
        |now, isr| now >= 0 && now != leader && !isr.contains(&leader),
    );
    eprintln!(
        "orders-0 led by a surviving node {:?} after the kill",
        killed_at.elapsed()
    );

    project.compose_ok(&["start", killed]);
    let rejoined = wait_for(
        &project,
        survivor,
        "the killed node back in the ISR of orders-0",
        Duration::from_secs(120),
        |_, isr| isr.len() == 3,
    );
    eprintln!("{killed} back in sync {rejoined:?} after its start");

    let verdict = check(&project, &acknowledged).await;
    eprintln!(
        "checker: {} of {} orders terminal, quiesced after {:?}, {} violations",
        verdict.terminal,
        acknowledged.len(),
        verdict.quiesced_after,
        verdict.violations.len()
    );
    assert_clean(&verdict, 250);
    let (text, _) = describe(&project, survivor);
    eprintln!("{text}");
    eprintln!("the cluster test took {:?}", started.elapsed());

    let left = project.down();
    assert!(left.is_empty(), "docker compose down -v left {left:?}");
}
