//! The Docker Compose stack's structure, checked without Docker (with every `${VAR:-default}`
//! at its default): every service is there, long-running ones have health checks,
//! dependencies wait on conditions, the components reach PostgreSQL, Kafka and Redis only
//! through Toxiproxy with ports that agree with `toxiproxy.json`, Kafka advertises its
//! component listener at the proxy and a host listener at its published port, ports are
//! published on loopback only and never by a service one may scale; migrations run once as a
//! job the components wait for; no API key is in the file (a keys file is mounted); every
//! service has a memory limit, no capabilities beyond what an entrypoint needs, no privilege
//! gain and, where its image allows, a read-only root filesystem. `docker compose config`
//! must accept the file where Docker exists, and under `CI=true` it must exist.
//! `compose_stack/` runs the stack for real.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use serde_yaml_ng::Value;

/// Every component of the registry: compose must run each one.
static COMPONENTS: LazyLock<Vec<&str>> =
    LazyLock::new(|| saga_components::COMPONENTS.iter().map(|c| c.name).collect());
const INFRASTRUCTURE: [&str; 4] = ["postgres", "redis", "kafka", "toxiproxy"];
const ONE_SHOT: [&str; 3] = ["topic-init", "roles", "migrate"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `text` with every `${NAME:-default}` replaced by its default, and every `$$` (compose's
/// escape for a `$` the container's shell sees) by `$`.
fn defaults(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        if rest[start + 1..].starts_with('$') {
            out.push('$');
            rest = &rest[start + 2..];
            continue;
        }
        if !rest[start + 1..].starts_with('{') {
            out.push('$');
            rest = &rest[start + 1..];
            continue;
        }
        let end = start + rest[start..].find('}').expect("a closing brace");
        let (_, default) = rest[start + 2..end]
            .split_once(":-")
            .unwrap_or_else(|| panic!("{} has no default", &rest[start..=end]));
        out.push_str(default);
        rest = &rest[end + 1..];
    }
    out + rest
}

fn compose() -> Value {
    let text = std::fs::read_to_string(root().join("docker-compose.yml")).unwrap();
    let mut value: Value = serde_yaml_ng::from_str(&defaults(&text)).unwrap();
    value.apply_merge().unwrap();
    value
}

fn services() -> BTreeMap<String, Value> {
    let compose = compose();
    let services = compose["services"].as_mapping().expect("services");
    services
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_owned(), v.clone()))
        .collect()
}

/// toxiproxy.json as name -> (listen port, upstream host:port).
fn proxies() -> BTreeMap<String, (u16, String)> {
    proxies_of("toxiproxy.json")
}

fn env(service: &Value, name: &str) -> String {
    let value = &service["environment"][name];
    value
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("{name} not set: {service:?}"))
}

#[test]
fn every_service_is_defined_and_long_running_ones_have_health_checks() {
    let services = services();
    for name in COMPONENTS.iter().chain(&INFRASTRUCTURE).chain(&ONE_SHOT) {
        assert!(services.contains_key(*name), "service {name} is missing");
    }
    for name in COMPONENTS.iter().chain(&INFRASTRUCTURE) {
        let test = &services[*name]["healthcheck"]["test"];
        assert!(
            test.as_sequence().is_some_and(|t| !t.is_empty()),
            "{name} has no health check"
        );
    }
    for &name in COMPONENTS.iter() {
        let command = services[name]["command"][0].as_str();
        assert_eq!(command, Some(name), "{name} runs `saga {name}`");
    }
    let image = services["gateway"]["image"].clone();
    for (name, service) in &services {
        if service["image"] == image {
            assert!(
                service["build"]["context"].as_str() == Some("."),
                "{name} uses the saga image, so it must be able to build it (not pull it)"
            );
        }
    }
}

#[test]
fn dependencies_wait_on_conditions_that_can_be_met() {
    let services = services();
    for (name, service) in &services {
        let Some(deps) = service["depends_on"].as_mapping() else {
            continue;
        };
        for (dep, spec) in deps {
            let dep = dep.as_str().unwrap();
            let condition = spec["condition"].as_str().unwrap_or_default();
            assert!(
                services.contains_key(dep),
                "{name} depends on unknown {dep}"
            );
            match condition {
                "service_healthy" => assert!(
                    services[dep]["healthcheck"]["test"].as_sequence().is_some(),
                    "{name} waits for {dep} to be healthy, but it has no health check"
                ),
                "service_completed_successfully" => {
                    assert!(ONE_SHOT.contains(&dep), "{dep} is not a one-shot job")
                }
                // The cluster's nodes reach each other only through Toxiproxy, whose health
                // check needs them: they wait for it to run, not to be healthy.
                "service_started" => assert!(
                    name.starts_with("kafka-") && dep == "toxiproxy",
                    "{name} waits only for {dep} to start"
                ),
                other => panic!("{name} -> {dep}: condition {other:?}"),
            }
        }
    }
    for &name in COMPONENTS.iter() {
        let deps = services[name]["depends_on"].as_mapping().unwrap();
        for needed in ["toxiproxy", "topic-init", "migrate"] {
            assert!(deps.contains_key(needed), "{name} must wait for {needed}");
        }
    }
    assert!(services["gateway"]["depends_on"]["order-api"].is_mapping());
}

#[test]
fn components_reach_every_backend_through_toxiproxy() {
    let services = services();
    let proxies = proxies();
    let published: Vec<String> = services["toxiproxy"]["ports"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    for (proxy, upstream_service) in [
        ("postgres", "postgres"),
        ("redis", "redis"),
        ("kafka", "kafka"),
    ] {
        let (listen, upstream) = &proxies[proxy];
        assert!(
            upstream.starts_with(&format!("{upstream_service}:")),
            "{proxy}: {upstream}"
        );
        // Kafka's proxy is advertised as toxiproxy:19092, a name the host cannot resolve:
        // published, it would only mislead (host clients use the HOST listener).
        assert_eq!(
            published.iter().any(|p| p.ends_with(&format!(":{listen}"))),
            proxy != "kafka",
            "toxiproxy's ports {published:?}: {proxy} at {listen}"
        );
    }
    assert_eq!(proxies["postgres"].1, "postgres:5432");
    assert_eq!(proxies["redis"].1, "redis:6379");
    for &name in COMPONENTS.iter() {
        let service = &services[name];
        let db = env(service, "DATABASE_URL");
        assert!(
            db.contains(&format!("@toxiproxy:{}/", proxies["postgres"].0)),
            "{name}: {db}"
        );
        let kafka = env(service, "KAFKA_BOOTSTRAP_SERVERS");
        assert_eq!(kafka, format!("toxiproxy:{}", proxies["kafka"].0), "{name}");
        let redis = env(service, "REDIS_URL");
        assert!(
            redis.starts_with(&format!("redis://toxiproxy:{}/", proxies["redis"].0)),
            "{name}"
        );
    }
}

#[test]
fn kafka_is_kraft_and_advertises_the_component_listener_at_the_proxy() {
    let services = services();
    let kafka = &services["kafka"];
    let image = kafka["image"].as_str().unwrap();
    assert!(image.starts_with("apache/kafka:4."), "{image}");
    assert!(env(kafka, "KAFKA_PROCESS_ROLES").contains("controller"));
    let (proxy_port, upstream) = &proxies()["kafka"];
    let upstream_port = upstream.rsplit(':').next().unwrap();
    let listeners = env(kafka, "KAFKA_LISTENERS");
    let advertised = env(kafka, "KAFKA_ADVERTISED_LISTENERS");
    let proxied = listeners
        .split(',')
        .find(|l| l.ends_with(&format!(":{upstream_port}")))
        .expect("a listener where the proxy's upstream points");
    let name = proxied.split("://").next().unwrap();
    assert!(
        advertised.contains(&format!("{name}://toxiproxy:{proxy_port}")),
        "{name} must be advertised at the proxy, else clients bypass it: {advertised}"
    );
    let host = listeners
        .split(',')
        .find(|l| l.starts_with("HOST://"))
        .expect("a listener for clients on the host");
    let host_port = host.rsplit(':').next().unwrap();
    let published = format!("127.0.0.1:9092:{host_port}");
    assert!(
        kafka["ports"]
            .as_sequence()
            .unwrap()
            .iter()
            .any(|p| p.as_str() == Some(&published)),
        "the host listener is published as {published}"
    );
    assert!(advertised.contains("HOST://127.0.0.1:9092"), "{advertised}");
    let controller = env(kafka, "KAFKA_CONTROLLER_LISTENER_NAMES");
    assert!(!advertised.contains(&format!("{controller}://")));
    let redis = services["redis"]["command"].as_sequence().unwrap();
    assert!(
        redis
            .windows(2)
            .any(|w| w[0].as_str() == Some("--appendonly") && w[1].as_str() == Some("yes"))
    );
}

#[test]
fn the_image_runs_as_a_non_root_user() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let stages: Vec<&str> = dockerfile.split("\nFROM ").skip(1).collect();
    assert!(stages.len() >= 2, "multi-stage build");
    // Every stage an image is made of (it has an ENTRYPOINT: `runtime`, the default,
    // `prebuilt` and their `-chaos` variants) runs as a user that is not root.
    let images: Vec<&&str> = stages
        .iter()
        .filter(|s| s.contains("\nENTRYPOINT "))
        .collect();
    assert!(
        images.len() >= 4,
        "runtime, prebuilt and their -chaos variants"
    );
    let default = stages.last().unwrap();
    assert!(
        default.contains("\nENTRYPOINT [\"saga\"]"),
        "the default target runs saga"
    );
    assert!(
        !default.contains("chaos"),
        "the services' image does not ship the chaos runner: {default}"
    );
    let services = services();
    let chaos_target = services["chaos"]["build"]["target"].as_str().unwrap();
    assert!(chaos_target.ends_with("-chaos"), "{chaos_target}");
    for stage in images {
        let user = stage
            .lines()
            .filter_map(|l| l.strip_prefix("USER "))
            .next_back()
            .unwrap_or_else(|| panic!("no USER in stage {stage}"));
        assert!(!["root", "0"].contains(&user.trim()), "USER {user}");
    }
}

#[test]
fn ports_are_on_loopback_and_scalable_services_publish_none() {
    for (name, service) in services() {
        assert!(
            service["container_name"].is_null(),
            "{name} has a fixed name"
        );
        let Some(ports) = service["ports"].as_sequence() else {
            continue;
        };
        for port in ports {
            let port = port.as_str().unwrap();
            assert!(
                port.starts_with("127.0.0.1:"),
                "{name} publishes {port} beyond loopback"
            );
        }
        let scales_out = saga_components::COMPONENTS
            .iter()
            .any(|c| c.name == name && c.scales_out);
        assert!(
            !scales_out || name == "gateway",
            "{name} publishes a host port, so it cannot be scaled"
        );
    }
}

#[test]
fn the_explorer_is_an_opt_in_profile_on_loopback() {
    let services = services();
    let explorer = &services["explorer"];
    assert_eq!(explorer["command"][0].as_str(), Some("explorer"));
    assert_eq!(explorer["profiles"][0].as_str(), Some("explorer"));
    assert_eq!(
        explorer["ports"][0].as_str(),
        Some("127.0.0.1:8080:8000"),
        "the explorer's default port, on loopback"
    );
    assert!(explorer["healthcheck"]["test"].as_sequence().is_some());
}

#[test]
fn toxiproxy_is_healthy_only_with_every_proxy_loaded() {
    let services = services();
    let test: Vec<&str> = services["toxiproxy"]["healthcheck"]["test"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // Toxiproxy loads the file in order and stops at the first proxy that fails.
    let text = std::fs::read_to_string(root().join("toxiproxy.json")).unwrap();
    let proxies: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let last = proxies.last().unwrap()["name"].as_str().unwrap();
    assert_eq!(test, ["CMD", "/toxiproxy-cli", "inspect", last]);
}

#[test]
fn the_gateway_default_order_service_url_names_the_order_api() {
    let services = services();
    assert!(
        services["gateway"]["environment"]["ORDER_SERVICE_URL"].is_null(),
        "the gateway relies on its default"
    );
    let aliases = &services["order-api"]["networks"]["default"]["aliases"];
    let default = saga_gateway_default_host();
    assert!(
        aliases
            .as_sequence()
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(&default))),
        "order-api must answer as {default}"
    );
}

/// The host of the gateway's default ORDER_SERVICE_URL.
fn saga_gateway_default_host() -> String {
    // Only the defaults: authentication off so no key is required to build the config.
    let config = saga_gateway::GatewayConfig::from_lookup(|name| {
        (name == "API_AUTH").then(|| "off".to_owned())
    })
    .unwrap();
    config.order_service_url.host().unwrap().to_owned()
}

/// `docker compose ARGS config …` in the repository: its standard output, or `None` where
/// Docker's compose plugin is missing (only outside CI). Fails the test when compose refuses.
fn compose_config(args: &[&str]) -> Option<String> {
    let version = std::process::Command::new("docker")
        .args(["compose", "version"])
        .output();
    if !version.is_ok_and(|o| o.status.success()) {
        assert!(
            !saga_contract::backend::is_ci(),
            "CI=true and docker compose is missing (scripts/images engine installs it)"
        );
        eprintln!("docker compose is not installed here; structural checks only");
        return None;
    }
    let output = std::process::Command::new("docker")
        .arg("compose")
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "docker compose {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn docker_compose_accepts_the_file_where_it_exists() {
    compose_config(&["-f", "docker-compose.yml", "config", "--quiet"]);
}

#[test]
fn docker_compose_accepts_the_tls_override_where_it_exists() {
    compose_config(&[
        "-f",
        "docker-compose.yml",
        "-f",
        "docker-compose.tls.yml",
        "config",
        "--quiet",
    ]);
}

/// Where the keys file is mounted in the gateway and the explorer.
const KEYS_TARGET: &str = "/run/saga/api-keys";

#[test]
fn no_api_key_is_written_in_the_file_only_a_mounted_keys_file() {
    let text = std::fs::read_to_string(root().join("docker-compose.yml")).unwrap();
    // An entry is name:role:<64 hex digits>; none may be in the file, nor a clear key.
    let hex_runs = text
        .split(|c: char| !c.is_ascii_hexdigit())
        .filter(|run| run.len() >= 64)
        .collect::<Vec<_>>();
    assert!(
        hex_runs.is_empty(),
        "a key hash in docker-compose.yml: {hex_runs:?}"
    );
    assert!(!text.contains(saga_harness::DEV_API_KEY), "a clear key");
    let services = services();
    for (name, service) in &services {
        assert!(
            service["environment"]["API_KEYS"].is_null(),
            "{name} sets API_KEYS in the file"
        );
    }
    for name in ["gateway", "explorer"] {
        let service = &services[name];
        assert_eq!(env(service, "API_KEYS_FILE"), KEYS_TARGET, "{name}");
        let mount = service["volumes"]
            .as_sequence()
            .and_then(|v| v.iter().find(|m| m["target"].as_str() == Some(KEYS_TARGET)))
            .unwrap_or_else(|| panic!("{name} mounts no keys file at {KEYS_TARGET}"));
        assert_eq!(mount["type"].as_str(), Some("bind"), "{name}");
        assert_eq!(mount["read_only"].as_bool(), Some(true), "{name}");
        // A missing file fails `up` naming the path, instead of a directory made in its place.
        assert_eq!(
            mount["bind"]["create_host_path"].as_bool(),
            Some(false),
            "{name}"
        );
        let source = mount["source"].as_str().unwrap();
        assert_eq!(source, "./.secrets/api-keys", "{name}: the default path");
    }
    let ignored = std::fs::read_to_string(root().join(".gitignore")).unwrap();
    assert!(
        ignored.lines().any(|l| l.trim() == "/.secrets"),
        "the keys file's directory is not committed"
    );
    assert!(
        root().join("scripts/api-key").is_file(),
        "the script the file's comment names"
    );
}

/// A proxies file (toxiproxy.json, toxiproxy.cluster.json) as name -> (listen port, upstream).
fn proxies_of(file: &str) -> BTreeMap<String, (u16, String)> {
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let proxies: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    proxies
        .iter()
        .map(|p| {
            let listen = p["listen"].as_str().unwrap();
            let port = listen.rsplit(':').next().unwrap().parse().unwrap();
            assert!(p["enabled"].as_bool().unwrap_or(true), "{p}");
            (
                p["name"].as_str().unwrap().to_owned(),
                (port, p["upstream"].as_str().unwrap().to_owned()),
            )
        })
        .collect()
}

/// A value without its `!override` (or any other) tag.
fn untagged(value: &Value) -> &Value {
    match value {
        Value::Tagged(tagged) => &tagged.value,
        other => other,
    }
}

/// The port of listener `name` in a `NAME://host:port,...` list.
fn listener_port(list: &str, name: &str) -> String {
    list.split(',')
        .find_map(|l| l.strip_prefix(&format!("{name}://")))
        .and_then(|address| address.rsplit(':').next())
        .unwrap_or_else(|| panic!("no {name} listener in {list}"))
        .to_owned()
}

#[test]
fn the_cluster_nodes_reach_each_other_and_are_reached_only_through_toxiproxy() {
    let services = services();
    let proxies = proxies_of("toxiproxy.cluster.json");
    let mut cluster_ids = Vec::new();
    for node in 1..=3 {
        let name = format!("kafka-{node}");
        let service = &services[&name];
        assert_eq!(service["profiles"][0].as_str(), Some("cluster"), "{name}");
        assert!(service["healthcheck"]["test"].as_sequence().is_some());
        assert_eq!(env(service, "KAFKA_NODE_ID"), node.to_string());
        cluster_ids.push(env(service, "CLUSTER_ID"));
        assert_eq!(env(service, "KAFKA_DEFAULT_REPLICATION_FACTOR"), "3");
        assert_eq!(env(service, "KAFKA_MIN_INSYNC_REPLICAS"), "2");
        assert_eq!(
            env(service, "KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE"),
            "false"
        );
        let listeners = env(service, "KAFKA_LISTENERS");
        let advertised = env(service, "KAFKA_ADVERTISED_LISTENERS");
        // Clients (PROXIED) and peers (BROKER, CONTROLLER) reach the node at its proxies,
        // which forward to the listener the node binds.
        for (listener, proxy) in [
            ("PROXIED", name.clone()),
            ("BROKER", format!("{name}-broker")),
            ("CONTROLLER", format!("{name}-controller")),
        ] {
            let (listen, upstream) = &proxies[&proxy];
            assert_eq!(
                upstream,
                &format!("{name}:{}", listener_port(&listeners, listener)),
                "{proxy}"
            );
            assert_eq!(
                listener_port(&advertised, listener),
                listen.to_string(),
                "{name} advertises {listener} at its proxy {proxy}"
            );
            assert!(advertised.contains(&format!("{listener}://toxiproxy:{listen}")));
        }
        let voters = env(service, "KAFKA_CONTROLLER_QUORUM_VOTERS");
        for peer in 1..=3 {
            let listen = proxies[&format!("kafka-{peer}-controller")].0;
            assert!(
                voters
                    .split(',')
                    .any(|v| v == format!("{peer}@toxiproxy:{listen}")),
                "{name}: voter {peer} at its controller proxy: {voters}"
            );
        }
        // The host listener is published at the port it is advertised at.
        let host = listener_port(&listeners, "HOST");
        let published = listener_port(&advertised, "HOST");
        assert!(
            service["ports"]
                .as_sequence()
                .unwrap()
                .iter()
                .any(|p| p.as_str() == Some(&format!("127.0.0.1:{published}:{host}"))),
            "{name} publishes its host listener as 127.0.0.1:{published}:{host}"
        );
        assert!(service["depends_on"]["toxiproxy"].is_mapping(), "{name}");
    }
    cluster_ids.dedup();
    assert_eq!(cluster_ids.len(), 1, "the nodes share CLUSTER_ID");
    let init = &services["topic-init-cluster"];
    assert_eq!(init["profiles"][0].as_str(), Some("cluster"));
    let script = init["command"][0].as_str().unwrap();
    assert!(script.contains("--replication-factor 3") && script.contains("min.insync.replicas=2"));
}

#[test]
fn the_cluster_override_points_toxiproxy_and_every_component_at_the_nodes() {
    let text = std::fs::read_to_string(root().join("docker-compose.cluster.yml")).unwrap();
    let mut overrides: Value = serde_yaml_ng::from_str(&text).unwrap();
    overrides.apply_merge().unwrap();
    let services = &overrides["services"];
    let proxies = proxies_of("toxiproxy.cluster.json");
    for single in ["kafka", "topic-init"] {
        assert_eq!(
            services[single]["profiles"][0].as_str(),
            Some("single"),
            "{single} is left out"
        );
    }
    let toxiproxy = &services["toxiproxy"];
    let volumes = untagged(&toxiproxy["volumes"]);
    assert_eq!(
        volumes[0].as_str(),
        Some("./toxiproxy.cluster.json:/config/toxiproxy.json:ro")
    );
    let last = last_proxy("toxiproxy.cluster.json");
    let test: Vec<&str> = toxiproxy["healthcheck"]["test"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(test, ["CMD", "/toxiproxy-cli", "inspect", last.as_str()]);
    assert!(
        !untagged(&toxiproxy["depends_on"])
            .as_mapping()
            .unwrap()
            .contains_key("kafka"),
        "toxiproxy waits for no Kafka: the nodes reach each other through it"
    );
    let bootstrap: Vec<String> = (1..=3)
        .map(|node| format!("toxiproxy:{}", proxies[&format!("kafka-{node}")].0))
        .collect();
    for &name in COMPONENTS.iter() {
        let service = &services[name];
        assert_eq!(
            env(service, "KAFKA_BOOTSTRAP_SERVERS"),
            bootstrap.join(","),
            "{name}"
        );
        assert_eq!(env(service, "KAFKA_REPLICATION_FACTOR"), "3", "{name}");
        assert_eq!(env(service, "KAFKA_MIN_INSYNC_REPLICAS"), "2", "{name}");
        let deps = untagged(&service["depends_on"]);
        for needed in ["toxiproxy", "topic-init-cluster", "migrate"] {
            assert!(deps[needed].is_mapping(), "{name} must wait for {needed}");
        }
        assert!(
            deps["topic-init"].is_null(),
            "{name} waits for the single node's topics"
        );
    }
}

/// The name of the last proxy of a proxies file (the one Toxiproxy loads last).
fn last_proxy(file: &str) -> String {
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let proxies: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    proxies.last().unwrap()["name"].as_str().unwrap().to_owned()
}

#[test]
fn docker_compose_accepts_the_cluster_profile_where_it_exists() {
    let Some(stdout) = compose_config(&[
        "-f",
        "docker-compose.yml",
        "-f",
        "docker-compose.cluster.yml",
        "--profile",
        "cluster",
        "config",
        "--services",
    ]) else {
        return;
    };
    let enabled: Vec<&str> = stdout.lines().collect();
    for name in [
        "kafka-1",
        "kafka-2",
        "kafka-3",
        "topic-init-cluster",
        "gateway",
    ] {
        assert!(enabled.contains(&name), "{name} not in {enabled:?}");
    }
    for name in ["kafka", "topic-init"] {
        assert!(!enabled.contains(&name), "{name} in {enabled:?}");
    }
}

/// The services that run the Kafka image, whose start scripts write inside it.
const WRITES_ITS_IMAGE: [&str; 6] = [
    "kafka",
    "kafka-1",
    "kafka-2",
    "kafka-3",
    "topic-init",
    "topic-init-cluster",
];

/// Capabilities the PostgreSQL and Redis upstream entrypoints use to chown their data and
/// switch user; nothing else may add any.
const ENTRYPOINT_CAPS: [&str; 5] = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"];

/// `512m`, `1g`, … in bytes.
fn bytes(limit: &str) -> u64 {
    let limit = limit.trim().to_ascii_lowercase();
    let (digits, unit) = limit.split_at(limit.trim_end_matches(char::is_alphabetic).len());
    let scale = match unit.trim_end_matches('b') {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        other => panic!("unit {other:?} of {limit}"),
    };
    digits.parse::<u64>().unwrap() * scale
}

#[test]
fn every_service_is_limited_and_unprivileged() {
    let services = services();
    for (name, service) in &services {
        let limit = service["mem_limit"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} has no mem_limit"));
        let limit = bytes(limit);
        assert!(
            (64 << 20..=4 << 30).contains(&limit),
            "{name}: a memory limit of {limit} bytes"
        );
        assert_eq!(
            service["cap_drop"].as_sequence().map(Vec::as_slice),
            Some([Value::from("ALL")].as_slice()),
            "{name} drops every capability"
        );
        let options = service["security_opt"].as_sequence();
        assert!(
            options.is_some_and(|o| o
                .iter()
                .any(|v| v.as_str() == Some("no-new-privileges:true"))),
            "{name}: no-new-privileges"
        );
        if let Some(added) = service["cap_add"].as_sequence() {
            assert!(
                ["postgres", "redis"].contains(&name.as_str()),
                "{name} adds capabilities: {added:?}"
            );
            for cap in added {
                let cap = cap.as_str().unwrap();
                assert!(ENTRYPOINT_CAPS.contains(&cap), "{name} adds {cap}");
            }
        }
        let read_only = service["read_only"].as_bool() == Some(true);
        let kafka_image = service["image"]
            .as_str()
            .is_some_and(|i| i.starts_with("apache/kafka:"));
        assert_eq!(
            kafka_image,
            WRITES_ITS_IMAGE.contains(&name.as_str()),
            "{name}"
        );
        assert_eq!(
            read_only, !kafka_image,
            "{name}: a read-only root filesystem unless it runs the Kafka image"
        );
    }
    // The broker's default heap (1 GiB) would not fit its limit: it is set below it.
    for name in ["kafka", "kafka-1"] {
        let heap = env(&services[name], "KAFKA_HEAP_OPTS");
        let max = heap
            .split_whitespace()
            .find_map(|o| o.strip_prefix("-Xmx"))
            .unwrap_or_else(|| panic!("{name}: no -Xmx in {heap}"));
        let limit = bytes(services[name]["mem_limit"].as_str().unwrap());
        assert!(
            bytes(max) * 3 / 2 <= limit,
            "{name}: heap {max} in {limit} bytes"
        );
    }
    // Where a read-only service writes: PostgreSQL's scratch and socket directories, the chaos
    // runner's logs.
    let tmpfs = |name: &str| -> Vec<String> {
        services[name]["tmpfs"]
            .as_sequence()
            .map(|t| t.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    assert!(tmpfs("postgres").iter().any(|t| t.starts_with("/tmp:")));
    let volumes = services["postgres"]["volumes"].as_sequence().unwrap();
    assert!(
        volumes.iter().any(|v| v
            .as_str()
            .is_some_and(|v| v.ends_with(":/var/run/postgresql"))),
        "PostgreSQL's socket directory is writable on a read-only root"
    );
    assert!(tmpfs("chaos").iter().any(|t| t == "/tmp"));
}

#[test]
fn migrations_run_once_as_a_job_before_the_components() {
    let services = services();
    let migrate = &services["migrate"];
    assert_eq!(migrate["command"][0].as_str(), Some("migrate"));
    assert_eq!(
        migrate["image"], services["gateway"]["image"],
        "the same image"
    );
    assert_eq!(migrate["restart"].as_str(), Some("no"));
    for &name in COMPONENTS.iter() {
        let condition = &services[name]["depends_on"]["migrate"]["condition"];
        assert_eq!(
            condition.as_str(),
            Some("service_completed_successfully"),
            "{name} starts only after the migrations were applied"
        );
    }
}

#[test]
fn each_component_logs_in_as_its_own_role_with_a_secret_password() {
    let services = services();
    let secrets = compose()["secrets"].clone();
    let roles = &services["roles"];
    for &name in COMPONENTS.iter().filter(|&&c| c != "gateway") {
        let service = &services[name];
        let role = format!("saga_{}", name.replace('-', "_"));
        let url = env(service, "DATABASE_URL");
        assert!(
            url.starts_with(&format!("postgres://{role}@")),
            "{name} logs in as {role}, with no password in the URL: {url}"
        );
        let secret = format!("postgres-{name}");
        assert_eq!(
            env(service, "DATABASE_PASSWORD_FILE"),
            format!("/run/secrets/{secret}"),
            "{name}"
        );
        for holder in [service, roles] {
            let held = holder["secrets"].as_sequence().unwrap();
            assert!(held.iter().any(|s| s.as_str() == Some(&secret)), "{secret}");
        }
        let file = secrets[secret.as_str()]["file"].as_str().unwrap();
        assert!(
            file.starts_with("./.secrets/"),
            "{file} is outside the repository's files"
        );
    }
    assert_eq!(
        services["migrate"]["depends_on"]["roles"]["condition"].as_str(),
        Some("service_completed_successfully"),
        "the roles can log in before the migrations grant them"
    );
}
