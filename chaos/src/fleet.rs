//! The saga's components as child processes of the runner: started, SIGKILLed and restarted
//! on the timeline's word, restarted like compose's `restart: on-failure` when one exits by
//! itself, and all killed when the fleet is dropped (even on panic).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::Full;
use saga_components::{COMPONENTS, Component, registry};
use saga_runtime::net::{HttpClient, TcpDialer, http_client};

/// How to start a component: `exe component NAME` with `env`, stderr appended to
/// `logs/NAME.log`.
#[derive(Debug, Clone)]
pub struct Launch {
    pub exe: PathBuf,
    pub env: Vec<(String, String)>,
    pub logs: PathBuf,
}

#[derive(Default)]
struct Slot {
    child: Option<Child>,
    /// Killed on purpose and not to be restarted until the timeline says so.
    held: bool,
    self_exits: u32,
    started: Option<Instant>,
    /// Set on top of the launch's environment (a skewed clock), until replaced.
    env: Vec<(String, String)>,
}

/// A component that keeps exiting is restarted at most this often.
const RESTART_PAUSE: Duration = Duration::from_secs(1);
/// How long a `/health` or `/ready` probe waits for its answer (the fleet's health checks and
/// the timelines' probe steps alike).
pub const PROBE_PATIENCE: Duration = Duration::from_secs(2);

/// The running components.
pub struct Fleet {
    launch: Launch,
    ports: BTreeMap<&'static str, u16>,
    slots: Arc<Mutex<BTreeMap<&'static str, Slot>>>,
    http: HttpClient,
}

fn component_named(name: &str) -> Component {
    registry::find(name).expect("slots are keyed by component names")
}

impl Fleet {
    /// Picks a loopback port per component; starts nothing.
    ///
    /// # Errors
    /// When no free port or no log directory can be had.
    pub fn new(launch: Launch) -> std::io::Result<Self> {
        std::fs::create_dir_all(&launch.logs)?;
        let mut ports = BTreeMap::new();
        for &component in COMPONENTS {
            let taken: Vec<u16> = ports.values().copied().collect();
            ports.insert(component.name, saga_harness::free_port(&taken)?);
        }
        Ok(Self {
            launch,
            ports,
            slots: Arc::default(),
            http: http_client(Arc::new(TcpDialer)),
        })
    }

    pub fn addr(&self, component: Component) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.ports[component.name]))
    }

    pub fn log_path(&self, component: Component) -> PathBuf {
        self.launch.logs.join(format!("{}.log", component.name))
    }

    fn spawn(&self, component: Component, env: &[(String, String)]) -> std::io::Result<Child> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path(component))?;
        let upstreams = component.calls.iter().map(|upstream| {
            let called = component_named(upstream.component);
            (upstream.variable, format!("http://{}", self.addr(called)))
        });
        Command::new(&self.launch.exe)
            .args(["component", component.name])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LISTEN_ADDR", self.addr(component).to_string())
            .envs(upstreams)
            .envs(self.launch.env.iter().cloned())
            .envs(env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
    }

    /// Starts (or restarts) components that are not running; clears their hold.
    ///
    /// # Errors
    /// When a process cannot be spawned.
    pub fn start(&self, components: &[Component]) -> std::io::Result<()> {
        let mut slots = self.slots.lock().expect("fleet lock");
        for &c in components {
            let slot = slots.entry(c.name).or_default();
            slot.held = false;
            let running = slot
                .child
                .as_mut()
                .is_some_and(|child| matches!(child.try_wait(), Ok(None)));
            if !running {
                slot.child = Some(self.spawn(c, &slot.env)?);
                slot.started = Some(Instant::now());
            }
        }
        Ok(())
    }

    /// Starts `component` as [`Fleet::start`] does, with `env` on top of the launch's
    /// environment from now on (its later restarts too), until the next call.
    ///
    /// # Errors
    /// When the process cannot be spawned.
    pub fn start_with(
        &self,
        component: Component,
        env: Vec<(String, String)>,
    ) -> std::io::Result<()> {
        {
            let mut slots = self.slots.lock().expect("fleet lock");
            slots.entry(component.name).or_default().env = env;
        }
        self.start(&[component])
    }

    /// The process id of the component's running process, if one runs.
    pub fn pid(&self, component: Component) -> Option<u32> {
        let slots = self.slots.lock().expect("fleet lock");
        slots
            .get(component.name)
            .and_then(|s| s.child.as_ref())
            .map(Child::id)
    }

    /// Holds `components` down (not restarted until started again) and takes their processes
    /// out of the fleet: those running, and the names of those that were not.
    fn hold(&self, components: &[Component]) -> (Vec<(Component, Child)>, Vec<&'static str>) {
        let mut slots = self.slots.lock().expect("fleet lock");
        let mut taken = Vec::new();
        let mut absent = Vec::new();
        for &c in components {
            let slot = slots.entry(c.name).or_default();
            slot.held = true;
            let running = slot
                .child
                .as_mut()
                .is_some_and(|child| matches!(child.try_wait(), Ok(None)));
            match slot.child.take() {
                Some(child) if running => taken.push((c, child)),
                _ => absent.push(c.name),
            }
        }
        (taken, absent)
    }

    /// SIGKILLs components (no chance to finish anything) and holds them down.
    ///
    /// # Errors
    /// Naming the victims that were not running (so nothing was killed for them); the others
    /// are killed all the same.
    pub fn kill(&self, components: &[Component]) -> Result<(), String> {
        let (taken, absent) = self.hold(components);
        for (_, mut child) in taken {
            let _ = child.kill();
            let _ = child.wait();
        }
        match absent.is_empty() {
            true => Ok(()),
            false => Err(format!(
                "not running, nothing to kill: {}",
                absent.join(", ")
            )),
        }
    }

    /// Takes components out of the fleet to stop them, and holds them down until started
    /// again: the children, for [`crate::deploy::terminate`] to signal and await.
    ///
    /// # Errors
    /// Naming the components that were not running (nothing to stop); the others are taken.
    pub fn take(&self, components: &[Component]) -> Result<Vec<(Component, Child)>, String> {
        let (taken, absent) = self.hold(components);
        match absent.is_empty() {
            true => Ok(taken),
            false => Err(format!(
                "not running, nothing to stop: {}",
                absent.join(", ")
            )),
        }
    }

    /// Restarts every component that exited by itself (not the held ones); returns how many.
    ///
    /// # Errors
    /// When a process cannot be spawned.
    pub fn supervise(&self) -> std::io::Result<u32> {
        let mut slots = self.slots.lock().expect("fleet lock");
        let mut restarted = 0;
        for (name, slot) in slots.iter_mut() {
            let exited = slot
                .child
                .as_mut()
                .is_some_and(|child| !matches!(child.try_wait(), Ok(None)));
            let paused = slot.started.is_some_and(|at| at.elapsed() < RESTART_PAUSE);
            if exited && !slot.held && !paused {
                tracing::warn!(component = name, "exited by itself; restarting");
                slot.self_exits += 1;
                slot.child = Some(self.spawn(component_named(name), &slot.env)?);
                slot.started = Some(Instant::now());
                restarted += 1;
            }
        }
        Ok(restarted)
    }

    /// How often each component exited without being killed.
    pub fn self_exits(&self) -> BTreeMap<String, u32> {
        let slots = self.slots.lock().expect("fleet lock");
        slots
            .iter()
            .filter(|(_, s)| s.self_exits > 0)
            .map(|(name, s)| ((*name).to_owned(), s.self_exits))
            .collect()
    }

    /// What the auditor counted (its `saga_invariant_violations_total` lines): the online
    /// judge's verdict on the run, beside the checker's.
    ///
    /// # Errors
    /// Why the auditor did not answer.
    pub async fn audited(&self) -> Result<Vec<String>, String> {
        let auditor = saga_components::registry::AUDITOR;
        let (_, body) = self.get(auditor, "/metrics", PROBE_PATIENCE).await?;
        Ok(body
            .lines()
            .filter(|l| l.starts_with("saga_invariant_violations_total"))
            .map(str::to_owned)
            .collect())
    }

    /// `GET path` on the component's port: its status and body, within `patience` all told;
    /// why not otherwise.
    async fn get(
        &self,
        component: Component,
        path: &str,
        patience: Duration,
    ) -> Result<(http::StatusCode, String), String> {
        let uri = format!("http://{}{path}", self.addr(component));
        let request = http::Request::get(uri)
            .body(Full::default())
            .map_err(|e| e.to_string())?;
        let answer = async {
            let (status, body) = saga_runtime::net::exchange(&self.http, request).await?;
            Ok((status, String::from_utf8_lossy(&body).into_owned()))
        };
        tokio::time::timeout(patience, answer)
            .await
            .map_err(|_| format!("{path}: no answer within {patience:?}"))?
            .map_err(|e: String| format!("{path}: {e}"))
    }

    /// Our process is running and `/health` answers 200 on its port; otherwise why not.
    async fn health(&self, component: Component) -> Result<(), String> {
        let running = {
            let mut slots = self.slots.lock().expect("fleet lock");
            let child = slots.get_mut(component.name).and_then(|s| s.child.as_mut());
            child.is_some_and(|child| matches!(child.try_wait(), Ok(None)))
        };
        if !running {
            return Err("the process is not running".into());
        }
        let (status, body) = self.get(component, "/health", PROBE_PATIENCE).await?;
        if status == 200 {
            return Ok(());
        }
        Err(format!("/health answered {status}: {body}"))
    }

    /// The probes (`/health` and `/ready` of every running component, all at once) that did
    /// not answer within `patience`, each with why; any HTTP status counts as an answer.
    pub async fn unanswered(&self, patience: Duration) -> Vec<String> {
        let probes = COMPONENTS.iter().flat_map(|&c| {
            ["/health", "/ready"].map(|path| async move {
                let answer = self.get(c, path, patience).await;
                answer.err().map(|why| format!("{} {why}", c.name))
            })
        });
        futures::future::join_all(probes)
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    /// Waits until every component answers `/health` with 200, restarting ones that exit, or
    /// returns the components still unhealthy when `patience` runs out, each with why.
    ///
    /// # Errors
    /// When a process cannot be spawned.
    pub async fn wait_healthy(
        &self,
        patience: Duration,
    ) -> std::io::Result<Vec<(Component, String)>> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            self.supervise()?;
            let mut sick = Vec::new();
            for &c in COMPONENTS {
                if let Err(why) = self.health(c).await {
                    sick.push((c, why));
                }
            }
            if sick.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(sick);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The last lines of a component's log, for failure messages.
    pub fn log_tail(&self, component: Component, lines: usize) -> String {
        let text = std::fs::read_to_string(self.log_path(component)).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        // Even after a panic poisoned the lock, no child may outlive the fleet.
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        for slot in slots.values_mut() {
            if let Some(mut child) = slot.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}
