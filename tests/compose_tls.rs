//! docker-compose.tls.yml's structure, checked without Docker: every Kafka client logs in as
//! its own SCRAM user (the components deploy/kafka-acls.txt names) with the CA to verify the
//! broker, every Redis client as its own ACL user over `rediss://`, every database client
//! verifies the server; the broker speaks SASL_SSL to the network and PLAINTEXT only on its
//! container's loopback; no password is written in the file. (tests/compose.rs has `docker
//! compose config` accept the pair of files.) `compose_stack/tls.rs` runs it for real.

use std::path::PathBuf;

use serde_yaml_ng::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn text() -> String {
    std::fs::read_to_string(root().join("docker-compose.tls.yml")).unwrap()
}

fn services() -> Value {
    let mut value: Value = serde_yaml_ng::from_str(&text()).unwrap();
    value.apply_merge().unwrap();
    value["services"].clone()
}

fn env<'a>(service: &'a Value, name: &str) -> &'a str {
    service["environment"][name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} not set: {service:?}"))
}

fn secrets(service: &Value) -> Vec<&str> {
    service["secrets"]
        .as_sequence()
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The components deploy/kafka-acls.txt grants to: the ones with a Kafka user.
fn kafka_components() -> Vec<String> {
    let table = std::fs::read_to_string(root().join("deploy/kafka-acls.txt")).unwrap();
    let mut names: Vec<String> = table
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "*")
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn every_kafka_client_logs_in_as_itself_and_verifies_the_broker() {
    let services = services();
    let components = kafka_components();
    assert!(components.len() >= 6, "{components:?}");
    for name in &components {
        let service = &services[name.as_str()];
        assert_eq!(
            env(service, "KAFKA_SECURITY_PROTOCOL"),
            "SASL_SSL",
            "{name}"
        );
        assert_eq!(env(service, "KAFKA_SSL_CA_FILE"), "/run/secrets/tls-ca");
        assert_eq!(env(service, "KAFKA_SASL_USERNAME"), format!("saga-{name}"));
        let password = format!("kafka-{name}");
        assert_eq!(
            env(service, "KAFKA_SASL_PASSWORD_FILE"),
            format!("/run/secrets/{password}")
        );
        assert!(secrets(service).contains(&password.as_str()), "{name}");
        // The broker formats a SCRAM user from each kafka-* secret it is given.
        assert!(
            secrets(&services["kafka"]).contains(&password.as_str()),
            "the broker has no user for {name}"
        );
    }
}

#[test]
fn database_clients_verify_the_server_and_redis_clients_log_in_as_themselves() {
    let services = services();
    for name in [
        "migrate",
        "order-api",
        "outbox-relay",
        "payment-worker",
        "auditor",
    ] {
        let service = &services[name];
        assert_eq!(env(service, "PGSSLMODE"), "verify-full", "{name}");
        assert_eq!(env(service, "PGSSLROOTCERT"), "/run/secrets/tls-ca");
        assert!(secrets(service).contains(&"tls-ca"), "{name}");
    }
    for name in ["payment-worker", "auditor", "explorer"] {
        let service = &services[name];
        assert_eq!(
            env(service, "REDIS_URL"),
            format!("rediss://saga-{name}@toxiproxy:16379/0")
        );
        let password = format!("redis-{name}");
        assert_eq!(
            env(service, "REDIS_PASSWORD_FILE"),
            format!("/run/secrets/{password}")
        );
        assert!(secrets(service).contains(&password.as_str()), "{name}");
    }
}

#[test]
fn the_broker_speaks_sasl_ssl_to_the_network_and_plaintext_only_on_its_loopback() {
    let services = services();
    let kafka = &services["kafka"];
    let map: Vec<(&str, &str)> = env(kafka, "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP")
        .split(',')
        .filter_map(|pair| pair.split_once(':'))
        .collect();
    for listener in env(kafka, "KAFKA_LISTENERS").split(',') {
        let (name, address) = listener.split_once("://").unwrap();
        let protocol = map
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| *p)
            .unwrap_or_else(|| panic!("{name} has no protocol"));
        match protocol {
            "SASL_SSL" => {}
            "PLAINTEXT" => assert!(address.starts_with("127.0.0.1:"), "{listener}"),
            other => panic!("{listener} speaks {other}"),
        }
    }
    assert_eq!(
        env(kafka, "KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"),
        "false",
        "a user without ACLs may do nothing"
    );
}

#[test]
fn no_password_is_written_in_the_file() {
    let text = text();
    // The broker's SCRAM users take theirs from the secrets, at run time.
    for (at, _) in text.match_indices("password=") {
        let value = &text[at + "password=".len()..];
        assert!(value.starts_with('$'), "a password in {:?}", &value[..20]);
    }
    for line in text.lines().filter(|l| l.contains("://")) {
        let credentials = line
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split_once('@'))
            .map(|(who, _)| who);
        if let Some(who) = credentials {
            assert!(!who.contains(':'), "a password in {line:?}");
        }
    }
}
