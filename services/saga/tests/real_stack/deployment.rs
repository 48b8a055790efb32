//! One isolated saga deployment on the native stack: a fresh database, its own Kafka topic
//! prefix and Redis key prefix, and every component as a separate `saga` OS process whose
//! log goes to a file. Dropping it kills what is still running.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use saga_components::{COMPONENTS, Component, registry};
use saga_core::ports::{Entropy, OsEntropy};

use crate::backends::Backends;
use crate::http::get_status;

/// A deployment and its processes.
pub struct Deployment {
    pub backends: Backends,
    /// The scratch database, direct (for reads) and through Toxiproxy (for components).
    pub database_direct: String,
    pub prefix: String,
    ports: BTreeMap<&'static str, u16>,
    children: BTreeMap<&'static str, Child>,
    logs: PathBuf,
    extra_env: Vec<(String, String)>,
    /// `host:port` every component reaches PostgreSQL at instead of the stack's proxy, each
    /// still as its own role.
    database_route: Option<String>,
}

impl Deployment {
    /// Creates the isolated resources, the database migrated (as a deployment's `saga
    /// migrate` job leaves it); starts nothing.
    pub async fn new(backends: Backends, name: &str) -> Self {
        let database_direct = saga_harness::scratch::create_database(&backends.database_direct)
            .await
            .expect("a scratch database");
        Self::on_database(backends, name, database_direct).await
    }

    /// Like [`Self::new`], on a database nothing has migrated yet.
    pub async fn unmigrated(backends: Backends, name: &str) -> Self {
        let database_direct =
            saga_harness::scratch::create_unmigrated_database(&backends.database_direct)
                .await
                .expect("a scratch database");
        Self::on_database(backends, name, database_direct).await
    }

    async fn on_database(backends: Backends, name: &str, database_direct: String) -> Self {
        let prefix = format!(
            "e2e-{}-{:x}-",
            std::process::id(),
            OsEntropy.next_u64() >> 40
        );
        let kafka = backends.kafka_config();
        saga_kafka::delete_topics_with_prefix(&kafka, "e2e-", |t| {
            saga_harness::abandoned(t, "e2e-")
        })
        .await;
        let redis = backends.redis_config().connect().await.expect("Redis");
        saga_redis::delete_keys_with_prefix(&redis, "e2e-", |k| saga_harness::abandoned(k, "e2e-"))
            .await
            .expect("deleting abandoned keys");
        // Over TLS each component logs in as its own Kafka user, whose ACLs name the stack's
        // topics: this run's are granted here, as the admin (nothing to do on a plain stack).
        backends
            .delete_abandoned_acls("e2e-")
            .await
            .expect("deleting abandoned Kafka ACLs");
        backends
            .grant_run_acls(&prefix)
            .await
            .expect("granting the run's Kafka ACLs");
        let mut taken = Vec::new();
        let mut ports = BTreeMap::new();
        for &component in COMPONENTS {
            let port = saga_harness::free_port(&taken).expect("a free loopback port");
            taken.push(port);
            ports.insert(component.name, port);
        }
        let logs = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{prefix}"));
        std::fs::create_dir_all(&logs).expect("log directory");
        Self {
            backends,
            database_direct,
            prefix,
            ports,
            children: BTreeMap::new(),
            logs,
            extra_env: Vec::new(),
            database_route: None,
        }
    }

    /// Sets an environment variable for processes started from now on.
    pub fn set_env(&mut self, name: &str, value: &str) {
        self.extra_env.push((name.to_owned(), value.to_owned()));
    }

    /// Sends every component started from now on to PostgreSQL at `host_port` (a proxy of the
    /// test's own), each still logging in as itself.
    pub fn route_database(&mut self, host_port: &str) {
        self.database_route = Some(host_port.to_owned());
    }

    /// The backend environment of a process logged in as `login` (its own PostgreSQL role,
    /// Redis and Kafka users on a stack that has them), or as the owner and admins (`None`).
    pub fn backend_env(&self, login: Option<Component>) -> Vec<(String, String)> {
        let database = saga_harness::scratch::database_of(&self.database_direct);
        let mut env = match login {
            Some(component) => {
                self.backends
                    .component_env_as(component.name, database, &self.prefix)
            }
            None => self.backends.component_env(database, &self.prefix),
        };
        if let Some(route) = &self.database_route {
            for (name, value) in &mut env {
                if name == "DATABASE_URL" {
                    *value = saga_harness::scratch::with_address(value, route);
                }
            }
        }
        env
    }

    /// What [`Self::backend_env`] gives `component`, by name.
    pub fn login_env(&self, component: Component) -> BTreeMap<String, String> {
        self.backend_env(Some(component)).into_iter().collect()
    }

    pub fn addr(&self, component: Component) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.ports[component.name]))
    }

    pub fn gateway_url(&self) -> String {
        format!("http://{}", self.addr(registry::GATEWAY))
    }

    /// The `saga <component>` command with this deployment's environment.
    pub fn command(&self, component: Component) -> Command {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path(component))
            .expect("log file");
        let upstreams = component.calls.iter().map(|upstream| {
            let called = registry::find(upstream.component).expect("a registered component");
            (upstream.variable, format!("http://{}", self.addr(called)))
        });
        let mut command = Command::new(env!("CARGO_BIN_EXE_saga"));
        command
            .arg(component.name)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LISTEN_ADDR", self.addr(component).to_string())
            .envs(upstreams)
            .envs(self.backend_env(Some(component)))
            .envs(self.extra_env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        command
    }

    /// `saga ARGS…` (a tool such as `saga dlq`, not a component) with this deployment's
    /// backend environment, logged in as `login` (`saga dlq` as the explorer, `saga migrate`
    /// as the owner: `None`), plus `env`, its output captured.
    pub fn tool(&self, login: Option<Component>, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_saga"));
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.backend_env(login))
            .envs(env.iter().copied())
            .stdin(Stdio::null());
        command
    }

    pub fn log_path(&self, component: Component) -> PathBuf {
        self.logs.join(format!("{}.log", component.name))
    }

    /// The last lines of a component's log, for failure messages.
    pub fn log_tail(&self, component: Component) -> String {
        let text = std::fs::read_to_string(self.log_path(component)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Runs a component until it exits by itself (bounded: 60 s), returning its exit status and
    /// its log: for components that must refuse to start.
    pub async fn run_to_exit(
        &mut self,
        component: Component,
    ) -> (std::process::ExitStatus, String) {
        let mut child = self.command(component).spawn().expect("spawning saga");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait().expect("waiting on saga") {
                let log = std::fs::read_to_string(self.log_path(component)).unwrap_or_default();
                return (status, log);
            }
            if tokio::time::Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{} still running after 60s:\n{}",
                    component.name,
                    self.log_tail(component)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Starts a component and waits (bounded) until its `/health` answers 200.
    pub async fn start(&mut self, component: Component) {
        let child = self.command(component).spawn().expect("spawning saga");
        self.children.insert(component.name, child);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if get_status(self.addr(component), "/health").await == Some(200) {
                return;
            }
            if let Some(status) = self
                .children
                .get_mut(component.name)
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "{} exited with {status}:\n{}",
                    component.name,
                    self.log_tail(component)
                );
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} not healthy within 60s:\n{}",
                component.name,
                self.log_tail(component)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Starts every component, in the registry's order.
    pub async fn start_all(&mut self) {
        for &component in COMPONENTS {
            self.start(component).await;
        }
    }

    /// SIGTERM, then waits (bounded) for the process to exit.
    pub async fn stop(&mut self, component: Component) {
        let Some(mut child) = self.children.remove(component.name) else {
            return;
        };
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        wait_exit(&mut child, Duration::from_secs(20)).await;
    }

    /// SIGKILL: the process gets no chance to finish anything.
    pub async fn kill(&mut self, component: Component) {
        let Some(mut child) = self.children.remove(component.name) else {
            return;
        };
        let _ = child.kill();
        wait_exit(&mut child, Duration::from_secs(5)).await;
    }
}

async fn wait_exit(child: &mut Child, patience: Duration) {
    let deadline = tokio::time::Instant::now() + patience;
    while child.try_wait().ok().flatten().is_none() {
        if tokio::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        for child in self.children.values_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
