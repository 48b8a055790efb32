//! Deploys on the real stack: a component stopped as an orchestrator stops it — SIGTERM, then
//! SIGKILL if it has not exited when the grace period ends — so its shutdown path runs (the
//! batch in hand finished or left uncommitted, the last commit landed, the group left).

use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

use saga_components::Component;

/// How long a stopped component may drain: the services' own bound
/// (`saga_runtime::shutdown::GRACE`) and a margin for the process to exit.
pub const GRACE: Duration = saga_runtime::shutdown::GRACE.saturating_add(Duration::from_secs(5));

fn signal(child: &Child, name: &str) -> Result<(), String> {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .map_err(|e| format!("kill -{name}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("kill -{name} {}: {status}", child.id()))
    }
}

/// How one component's stop went.
#[derive(Debug)]
pub enum Stopped {
    /// It exited by itself after SIGTERM, taking this long.
    Drained(Duration, ExitStatus),
    /// The grace period ran out: SIGKILLed.
    Killed,
}

/// SIGTERMs `child` and waits for it to exit, SIGKILLing it after [`GRACE`].
///
/// # Errors
/// When a signal cannot be sent, or the wait fails.
pub async fn terminate(mut child: Child) -> Result<Stopped, String> {
    signal(&child, "TERM")?;
    let sent = Instant::now();
    let pid = child.id();
    let wait = tokio::task::spawn_blocking(move || {
        let status = child.wait();
        (child, status)
    });
    tokio::pin!(wait);
    match tokio::time::timeout(GRACE, &mut wait).await {
        Ok(joined) => {
            let (_, status) = joined.map_err(|e| e.to_string())?;
            Ok(Stopped::Drained(
                sent.elapsed(),
                status.map_err(|e| e.to_string())?,
            ))
        }
        Err(_) => {
            let status = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            status.map_err(|e| format!("kill -KILL {pid}: {e}"))?;
            let (_, status) = wait.await.map_err(|e| e.to_string())?;
            status.map_err(|e| e.to_string())?;
            Ok(Stopped::Killed)
        }
    }
}

/// Stops `taken` all at once as [`terminate`] does; one line per component.
///
/// # Errors
/// The first component that could not be stopped, or that exited with a failure: its
/// shutdown path is broken.
pub async fn terminate_all(taken: Vec<(Component, Child)>) -> Result<String, String> {
    let stops = taken.into_iter().map(|(c, child)| async move {
        terminate(child).await.map(|stopped| match stopped {
            Stopped::Drained(took, status) if status.success() => {
                Ok(format!("{} drained in {} ms", c.name, took.as_millis()))
            }
            Stopped::Drained(_, status) => Err(format!("{} stopped with {status}", c.name)),
            Stopped::Killed => Ok(format!("{} overran its grace period: SIGKILLed", c.name)),
        })?
    });
    let lines: Result<Vec<String>, String> =
        futures::future::join_all(stops).await.into_iter().collect();
    lines.map(|l| l.join("; "))
}
