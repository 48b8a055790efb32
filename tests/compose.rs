//! The Docker Compose stack's structure, checked without Docker: every service is there,
//! long-running ones have health checks, dependencies wait on conditions, the components
//! reach PostgreSQL, Kafka and Redis only through Toxiproxy with ports that agree with
//! `toxiproxy.json`, and Kafka advertises its component listener at the proxy. Where a Docker
//! CLI with compose exists, `docker compose config --quiet` must accept the file too.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_yaml_ng::Value;

const COMPONENTS: [&str; 6] = [
    "gateway",
    "order-api",
    "outbox-relay",
    "payment-worker",
    "order-status-worker",
    "delivery-worker",
];
const INFRASTRUCTURE: [&str; 4] = ["postgres", "redis", "kafka", "toxiproxy"];
const ONE_SHOT: [&str; 2] = ["topic-init", "migrate"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn compose() -> Value {
    let text = std::fs::read_to_string(root().join("docker-compose.yml")).unwrap();
    let mut value: Value = serde_yaml_ng::from_str(&text).unwrap();
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
    let text = std::fs::read_to_string(root().join("toxiproxy.json")).unwrap();
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
    for name in COMPONENTS {
        let command = services[name]["command"][0].as_str();
        assert_eq!(command, Some(name), "{name} runs `saga {name}`");
        assert!(
            services[name]["build"].as_str().is_some(),
            "{name} is built from the Dockerfile"
        );
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
                other => panic!("{name} -> {dep}: condition {other:?}"),
            }
        }
    }
    for name in COMPONENTS {
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
        assert!(
            published.iter().any(|p| p.ends_with(&format!(":{listen}"))),
            "toxiproxy does not publish {listen}"
        );
    }
    assert_eq!(proxies["postgres"].1, "postgres:5432");
    assert_eq!(proxies["redis"].1, "redis:6379");
    for name in COMPONENTS {
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
    assert!(
        kafka["image"]
            .as_str()
            .unwrap()
            .starts_with("apache/kafka:4.")
    );
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
    let stages =
        dockerfile.matches("\nFROM ").count() + usize::from(dockerfile.starts_with("FROM "));
    assert!(stages >= 2, "multi-stage build");
    let last_stage = dockerfile.rsplit("\nFROM ").next().unwrap();
    let user = last_stage
        .lines()
        .filter_map(|l| l.strip_prefix("USER "))
        .next_back()
        .expect("the final stage sets USER");
    assert!(!["root", "0"].contains(&user.trim()), "USER {user}");
}

#[test]
fn docker_compose_accepts_the_file_where_it_exists() {
    let version = std::process::Command::new("docker")
        .args(["compose", "version"])
        .output();
    if !version.is_ok_and(|o| o.status.success()) {
        eprintln!("docker compose is not installed here; structural checks only");
        return;
    }
    let output = std::process::Command::new("docker")
        .args(["compose", "-f", "docker-compose.yml", "config", "--quiet"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "docker compose config: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_gateway_ships_the_development_key_by_hash_only() {
    let services = services();
    let keys = services["gateway"]["environment"]["API_KEYS"]
        .as_str()
        .expect("compose configures the gateway's API keys");
    assert_eq!(keys, saga_harness::dev_api_keys());
    assert!(
        !keys.contains(saga_harness::DEV_API_KEY),
        "never the clear key"
    );
}
