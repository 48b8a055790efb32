//! One `docker compose` project of this repository's docker-compose.yml: its own project name
//! and host ports (free loopback ports, so it never collides with the native stack or another
//! run), the images and build target from the environment (`scripts/images env`,
//! `SAGA_BUILD_TARGET`), a keys file with the development key's entry, the components'
//! database passwords (`scripts/secrets`), and `down -v` when
//! dropped. [`Project::cluster`] is the same with docker-compose.cluster.yml and the `cluster`
//! profile: three Kafka nodes instead of one; [`Project::tls`] with docker-compose.tls.yml:
//! every backend TLS-only, each component logged in as itself.

use std::path::PathBuf;
use std::process::{Command, Output};

use saga_harness::Endpoints;

/// The host-port variables of docker-compose.yml, each given a free port.
const PORT_VARIABLES: [&str; 10] = [
    "SAGA_GATEWAY_PORT",
    "SAGA_PG_PORT",
    "SAGA_REDIS_PORT",
    "SAGA_KAFKA_PORT",
    "SAGA_TOXIPROXY_PORT",
    "SAGA_PG_PROXY_PORT",
    "SAGA_REDIS_PROXY_PORT",
    "SAGA_KAFKA_1_PORT",
    "SAGA_KAFKA_2_PORT",
    "SAGA_KAFKA_3_PORT",
];

/// The compose files and profile of the three-node Kafka cluster (docker-compose.yml's top).
const CLUSTER_FILES: [&str; 2] = ["docker-compose.yml", "docker-compose.cluster.yml"];
const CLUSTER_PROFILE: &str = "cluster";
/// The compose files of the TLS stack (docker-compose.tls.yml's top).
const TLS_FILES: [&str; 2] = ["docker-compose.yml", "docker-compose.tls.yml"];

/// Whether Docker and its compose plugin answer. Without them the tests skip loudly, except
/// under `CI=true`, where they fail (`.ci/run` installs both with `scripts/images engine`).
pub fn available() -> bool {
    let answers = |args: &[&str]| {
        Command::new("docker")
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if answers(&["info"]) && answers(&["compose", "version"]) {
        return true;
    }
    saga_contract::backend::unavailable::<()>(
        "Docker with the compose plugin",
        "the local engine",
        &"`docker info` or `docker compose version` failed (scripts/images engine installs both)",
    );
    false
}

/// The repository, where docker-compose.yml and scripts/ are.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub struct Project {
    name: String,
    ports: Vec<(&'static str, u16)>,
    /// The three-node Kafka cluster (docker-compose.cluster.yml, profile `cluster`).
    cluster: bool,
    /// Every backend TLS-only (docker-compose.tls.yml; `scripts/secrets --tls`).
    tls: bool,
    /// The keys file the gateway mounts (`SAGA_API_KEYS_FILE`): the development key's entry,
    /// which the tests' clients send.
    keys_file: PathBuf,
    /// The components' PostgreSQL passwords (`SAGA_SECRETS_DIR`), made by `scripts/secrets`.
    secrets_dir: PathBuf,
}

impl Project {
    /// A project named `saga-{tag}-{pid}` on free host ports; nothing started yet.
    pub fn new(tag: &str) -> Self {
        Self::with_secrets(tag, &[])
    }

    /// Like [`Self::new`], `scripts/secrets` given `secrets_args`.
    fn with_secrets(tag: &str, secrets_args: &[&str]) -> Self {
        let mut taken = Vec::new();
        let ports = PORT_VARIABLES
            .iter()
            .map(|variable| {
                let port = saga_harness::free_port(&taken).expect("a free loopback port");
                taken.push(port);
                (*variable, port)
            })
            .collect();
        let name = format!("saga-{tag}-{}", std::process::id());
        let keys_file = std::env::temp_dir().join(format!("{name}-api-keys"));
        std::fs::write(&keys_file, format!("{}\n", saga_harness::dev_api_keys()))
            .expect("writing the keys file");
        let secrets_dir = std::env::temp_dir().join(format!("{name}-secrets"));
        let made = Command::new(root().join("scripts/secrets"))
            .args(secrets_args)
            .env("SAGA_SECRETS_DIR", &secrets_dir)
            .output()
            .expect("scripts/secrets runs");
        assert!(made.status.success(), "scripts/secrets: {made:?}");
        Self {
            name,
            ports,
            cluster: false,
            tls: false,
            keys_file,
            secrets_dir,
        }
    }

    /// Like [`Self::new`], on the three-node Kafka cluster: `-f docker-compose.yml -f
    /// docker-compose.cluster.yml --profile cluster` on every command.
    pub fn cluster(tag: &str) -> Self {
        let mut project = Self::new(tag);
        project.cluster = true;
        project
    }

    /// Like [`Self::new`], with every backend TLS-only: `-f docker-compose.yml -f
    /// docker-compose.tls.yml` on every command, its certificates and logins made by
    /// `scripts/secrets --tls`.
    pub fn tls(tag: &str) -> Self {
        let mut project = Self::with_secrets(tag, &["--tls"]);
        project.tls = true;
        project
    }

    /// A file `scripts/secrets` made.
    pub fn secret_path(&self, name: &str) -> PathBuf {
        self.secrets_dir.join(name)
    }

    pub fn port(&self, variable: &str) -> u16 {
        self.ports
            .iter()
            .find(|(name, _)| *name == variable)
            .map(|(_, port)| *port)
            .unwrap_or_else(|| panic!("no port {variable}"))
    }

    pub fn gateway_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port("SAGA_GATEWAY_PORT"))
    }

    /// The backends as the host reaches them (direct, as their owner and admins), and
    /// Toxiproxy's API.
    pub fn endpoints(&self) -> Endpoints {
        let port = |variable| self.port(variable);
        let ca = self.secret_path("tls/ca.crt").display().to_string();
        Endpoints::from_lookup(|name| match name {
            "DIRECT_DATABASE_URL" if self.tls => Some(format!(
                "postgres://saga:saga@127.0.0.1:{}/saga?sslmode=verify-full&sslrootcert={ca}",
                port("SAGA_PG_PORT")
            )),
            "DIRECT_DATABASE_URL" => Some(format!(
                "postgres://saga:saga@127.0.0.1:{}/saga",
                port("SAGA_PG_PORT")
            )),
            "DIRECT_KAFKA_BOOTSTRAP_SERVERS" if self.cluster => Some(
                [
                    "SAGA_KAFKA_1_PORT",
                    "SAGA_KAFKA_2_PORT",
                    "SAGA_KAFKA_3_PORT",
                ]
                .map(|node| format!("127.0.0.1:{}", port(node)))
                .join(","),
            ),
            "DIRECT_KAFKA_BOOTSTRAP_SERVERS" => {
                Some(format!("127.0.0.1:{}", port("SAGA_KAFKA_PORT")))
            }
            "DIRECT_REDIS_URL" if self.tls => Some(format!(
                "rediss://saga-admin:{}@127.0.0.1:{}/0",
                self.secret("redis-admin"),
                port("SAGA_REDIS_PORT")
            )),
            "DIRECT_REDIS_URL" => Some(format!("redis://127.0.0.1:{}/0", port("SAGA_REDIS_PORT"))),
            "KAFKA_SECURITY_PROTOCOL" if self.tls => Some("SASL_SSL".into()),
            "KAFKA_SASL_MECHANISM" if self.tls => Some("SCRAM-SHA-512".into()),
            "KAFKA_SASL_USERNAME" if self.tls => Some("saga-admin".into()),
            "KAFKA_SASL_PASSWORD_FILE" if self.tls => {
                Some(self.secret_path("kafka-admin").display().to_string())
            }
            "KAFKA_SSL_CA_FILE" | "REDIS_CA_FILE" if self.tls => Some(ca.clone()),
            "TOXIPROXY_URL" => Some(format!("http://127.0.0.1:{}", port("SAGA_TOXIPROXY_PORT"))),
            _ => None,
        })
    }

    /// The one line of a secret `scripts/secrets` made.
    fn secret(&self, name: &str) -> String {
        saga_core::secret::read_secret_file(&self.secret_path(name).display().to_string())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `docker compose -p NAME ARGS` in the repository, with this project's ports (and the
    /// cluster's or the TLS stack's files and profile).
    pub fn compose(&self, args: &[&str]) -> Output {
        let mut command = Command::new("docker");
        command.args(["compose", "-p", &self.name]);
        if self.cluster {
            for file in CLUSTER_FILES {
                command.args(["-f", file]);
            }
            command.args(["--profile", CLUSTER_PROFILE]);
        }
        if self.tls {
            for file in TLS_FILES {
                command.args(["-f", file]);
            }
        }
        command.args(args).current_dir(root());
        for (variable, port) in &self.ports {
            command.env(variable, port.to_string());
        }
        command.env("SAGA_API_KEYS_FILE", &self.keys_file);
        command.env("SAGA_SECRETS_DIR", &self.secrets_dir);
        // The tests place orders as fast as the stack takes them, not at a client's pace.
        command
            .env("SAGA_API_RATE_LIMIT_PER_SECOND", "1000000")
            .env("SAGA_API_RATE_LIMIT_BURST", "1000000");
        command.output().expect("docker runs")
    }

    /// Like [`Self::compose`], failing the test with compose's output unless it succeeds.
    pub fn compose_ok(&self, args: &[&str]) -> String {
        let output = self.compose(args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.status.success(),
            "docker compose {args:?} failed:\n{text}"
        );
        text
    }

    /// `up -d --build --wait` plus `extra`: every service running and healthy (the one-shot
    /// jobs completed) within five minutes, or the test fails.
    pub fn up(&self, extra: &[&str]) {
        let mut args = vec!["up", "-d", "--build", "--wait", "--wait-timeout", "300"];
        args.extend_from_slice(extra);
        let output = self.compose(&args);
        if !output.status.success() {
            let logs = self.compose(&["logs", "--tail", "30"]);
            panic!(
                "docker compose up failed:\n{}\n--- logs ---\n{}",
                String::from_utf8_lossy(&output.stderr),
                String::from_utf8_lossy(&logs.stdout)
            );
        }
    }

    /// How many containers of `service` are running.
    pub fn running(&self, service: &str) -> usize {
        self.compose_ok(&["ps", "-q", "--status", "running", service])
            .lines()
            .filter(|l| !l.trim().is_empty())
            .count()
    }

    /// Every `/metrics` sample of `metric` (summed over its labels) of each replica of
    /// `service`, read inside its container.
    pub fn metric_per_replica(&self, service: &str, metric: &str) -> Vec<f64> {
        (1..=self.running(service))
            .map(|index| {
                let index = index.to_string();
                let text = self.compose_ok(&[
                    "exec",
                    "-T",
                    "--index",
                    &index,
                    service,
                    "curl",
                    "-fsS",
                    "http://127.0.0.1:8000/metrics",
                ]);
                text.lines()
                    .filter(|line| {
                        line.strip_prefix(metric)
                            .is_some_and(|rest| rest.starts_with([' ', '{']))
                    })
                    .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
                    .sum()
            })
            .collect()
    }

    /// `down -v`, then whatever of this project is still there: containers, volumes,
    /// networks (empty when compose removed everything).
    pub fn down(&self) -> Vec<String> {
        self.compose_ok(&["--profile", "chaos", "down", "-v", "--remove-orphans"]);
        let label = format!("label=com.docker.compose.project={}", self.name);
        let mut left = Vec::new();
        for (kind, args) in [
            ("container", vec!["ps", "-a", "-q", "--filter", &label]),
            ("volume", vec!["volume", "ls", "-q", "--filter", &label]),
            ("network", vec!["network", "ls", "-q", "--filter", &label]),
        ] {
            let output = Command::new("docker").args(&args).output().expect("docker");
            left.extend(
                String::from_utf8_lossy(&output.stdout)
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|id| format!("{kind} {id}")),
            );
        }
        left
    }
}

impl Drop for Project {
    /// A failed test leaves nothing running either.
    fn drop(&mut self) {
        let _ = self.compose(&["--profile", "chaos", "down", "-v", "--remove-orphans"]);
        let _ = std::fs::remove_file(&self.keys_file);
        let _ = std::fs::remove_dir_all(&self.secrets_dir);
    }
}
