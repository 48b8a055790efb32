//! `scripts/stack` as a command: bring services up or down (all, or one backend), with the
//! environment that selects which stack (shared or private) it acts on.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Endpoints;
use super::backend::Backend;

/// `scripts/stack` failed or could not be found.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error("scripts/stack not found at {0} (set CHAOS_STACK_SCRIPT)")]
    NotFound(PathBuf),
    #[error("`scripts/stack {args}` failed ({status}):\n{stderr}")]
    Failed {
        args: String,
        status: String,
        stderr: String,
    },
    #[error("the stack's {what} is not reachable: {reason}")]
    Unreachable { what: &'static str, reason: String },
}

/// The native stack's control script, with the environment of one stack.
#[derive(Debug, Clone)]
pub struct StackScript {
    path: PathBuf,
    env: Vec<(String, String)>,
}

impl StackScript {
    /// `CHAOS_STACK_SCRIPT`, or the repository's `scripts/stack`.
    ///
    /// # Errors
    /// [`StackError::NotFound`] when the script is not there.
    pub fn locate(env: Vec<(String, String)>) -> Result<Self, StackError> {
        let path = std::env::var_os("CHAOS_STACK_SCRIPT").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/stack"),
            PathBuf::from,
        );
        if !path.is_file() {
            return Err(StackError::NotFound(path));
        }
        Ok(Self { path, env })
    }

    /// Runs `scripts/stack ARGS…` to completion (the script bounds its own waits) and returns
    /// what it printed on stdout.
    ///
    /// # Errors
    /// [`StackError::Failed`] with the tail of its stderr when it exits non-zero.
    pub async fn run(&self, args: &[&str]) -> Result<String, StackError> {
        let mut command = Command::new(&self.path);
        command.args(args).envs(self.env.iter().cloned());
        let joined = args.join(" ");
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        let output = output.map_err(|reason| StackError::Failed {
            args: joined.clone(),
            status: "not run".into(),
            stderr: reason,
        })?;
        if !output.status.success() {
            return Err(StackError::Failed {
                args: joined,
                status: output.status.to_string(),
                stderr: failure_text(&String::from_utf8_lossy(&output.stderr)),
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// `up` (idempotent): installs and starts what is missing; returns the endpoints.
    ///
    /// # Errors
    /// As [`Self::run`].
    pub async fn up(&self) -> Result<Endpoints, StackError> {
        self.run(&["up"])
            .await
            .map(|out| Endpoints::from_exports(&out))
    }

    /// Whether every service of this stack is already healthy.
    pub async fn healthy(&self) -> bool {
        self.run(&["status"]).await.is_ok()
    }

    /// Stops one backend (the process itself, not its proxy).
    ///
    /// # Errors
    /// As [`Self::run`].
    pub async fn stop(&self, backend: Backend) -> Result<(), StackError> {
        self.run(&["down", backend.name()]).await.map(drop)
    }

    /// Starts one backend and waits until it is healthy.
    ///
    /// # Errors
    /// As [`Self::run`].
    pub async fn start(&self, backend: Backend) -> Result<(), StackError> {
        self.run(&["up", backend.name()]).await.map(drop)
    }

    /// Where this stack keeps its pid files, logs and data (`scripts/stack`'s
    /// `SAGA_STACK_HOME`).
    pub fn home(&self) -> PathBuf {
        self.env
            .iter()
            .find(|(k, _)| k == "SAGA_STACK_HOME")
            .map(|(_, v)| PathBuf::from(v))
            .or_else(|| std::env::var_os("SAGA_STACK_HOME").map(PathBuf::from))
            .unwrap_or_else(super::handle::default_home)
    }

    /// The stack's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.home().join("data")
    }

    /// SIGKILLs one backend's server process (no shutdown, no flush) and waits until it is
    /// gone; `start` brings it back.
    ///
    /// # Errors
    /// [`StackError::Failed`] when its pid file names no live process of that server.
    pub async fn kill(&self, backend: Backend) -> Result<(), StackError> {
        let pidfile = self.home().join(format!("run/{}.pid", backend.name()));
        let marker = match backend {
            Backend::Postgres => "postgres",
            Backend::Redis => "redis-server",
            Backend::Kafka => "kafka.Kafka",
        };
        let failed = |why: String| StackError::Failed {
            args: format!("kill {backend}"),
            status: "not run".into(),
            stderr: why,
        };
        let pid = std::fs::read_to_string(&pidfile)
            .map_err(|e| failed(format!("{}: {e}", pidfile.display())))?;
        let pid = pid.lines().next().unwrap_or_default().trim().to_owned();
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if pid.is_empty() || !String::from_utf8_lossy(&cmdline).contains(marker) {
            return Err(failed(format!(
                "pid {pid:?} in {} is not {marker}",
                pidfile.display()
            )));
        }
        let status = Command::new("kill")
            .args(["-KILL", &pid])
            .status()
            .map_err(|e| failed(e.to_string()))?;
        if !status.success() {
            return Err(failed(format!("kill -KILL {pid}: {status}")));
        }
        let proc = PathBuf::from(format!("/proc/{pid}"));
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        // Gone, or a zombie of a parent that will reap it (it holds no port or file then).
        while proc.exists() && !zombie(&proc) {
            if tokio::time::Instant::now() >= deadline {
                return Err(failed(format!("pid {pid} outlived SIGKILL for 10 s")));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Stops the whole stack (used only for a private stack this process started).
    pub fn down_blocking(&self) {
        let _ = Command::new(&self.path)
            .arg("down")
            .envs(self.env.iter().cloned())
            .output();
    }
}

/// What a failed run printed, short: the script's own error lines (a failed start prints one
/// and then a service's log, which can crowd it out of any tail), then the last 20 lines.
fn failure_text(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let tail_from = lines.len().saturating_sub(20);
    let errors = lines[..tail_from]
        .iter()
        .filter(|line| line.starts_with("[stack] ERROR"));
    errors
        .chain(&lines[tail_from..])
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `/proc/PID` is a zombie (dead, not yet reaped) with every thread gone. A
/// multi-threaded server's leader turns zombie while its other threads are still exiting, its
/// ports still open: a start then would find the server "already running".
fn zombie(proc: &Path) -> bool {
    let leader_dead = std::fs::read_to_string(proc.join("stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false);
    let threads = std::fs::read_dir(proc.join("task")).map_or(0, Iterator::count);
    leader_dead && threads <= 1
}

#[cfg(test)]
mod tests {
    use super::failure_text;

    #[test]
    fn a_failure_keeps_the_scripts_error_above_a_long_log_tail() {
        let log: Vec<String> = (0..40).map(|i| format!("log line {i}")).collect();
        let stderr = format!(
            "[stack] starting Toxiproxy\n[stack] ERROR: toxiproxy exited during start-up\n{}",
            log.join("\n")
        );
        let text = failure_text(&stderr);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "[stack] ERROR: toxiproxy exited during start-up");
        assert_eq!(lines[1], "log line 20");
        assert_eq!(lines.last(), Some(&"log line 39"));
        assert_eq!(lines.len(), 21);
    }
}
