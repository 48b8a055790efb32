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
    /// Still draining when its restart came, this long after SIGTERM: SIGKILLed then.
    CutAtRestart(Duration),
}

/// SIGTERMs `child` and waits for it to exit, SIGKILLing it after [`GRACE`], or at
/// `restart` if that comes first.
///
/// # Errors
/// When a signal cannot be sent, or the wait fails.
pub async fn terminate(mut child: Child, restart: Option<Instant>) -> Result<Stopped, String> {
    signal(&child, "TERM")?;
    let sent = Instant::now();
    let pid = child.id();
    let wait = tokio::task::spawn_blocking(move || {
        let status = child.wait();
        (child, status)
    });
    tokio::pin!(wait);
    let cut = restart.map(|at| at.saturating_duration_since(sent));
    let patience = cut.map_or(GRACE, |cut| cut.min(GRACE));
    match tokio::time::timeout(patience, &mut wait).await {
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
            Ok(match cut {
                Some(cut) if cut < GRACE => Stopped::CutAtRestart(sent.elapsed()),
                _ => Stopped::Killed,
            })
        }
    }
}

/// Stops `taken` all at once as [`terminate`] does.
pub async fn terminate_all(
    taken: Vec<(Component, Child)>,
    restart: Option<Instant>,
) -> Vec<(Component, Result<Stopped, String>)> {
    let stops = taken
        .into_iter()
        .map(|(c, child)| async move { (c, terminate(child, restart).await) });
    futures::future::join_all(stops).await
}

/// Whether a component's stop counts as one, in words either way. A clean exit does, and so
/// does a SIGKILL after the grace period. A failed exit does not — its shutdown path is
/// broken — unless it came after the component's own grace period ran out while a backend
/// fault was in force (`backend_fault`): then the batch in hand could not be finished, and an
/// orchestrator would have killed the process still draining, as the simulation does.
///
/// # Errors
/// A failed exit that is no such overrun, or a signal that could not be sent.
pub fn judge(
    component: Component,
    stopped: Result<Stopped, String>,
    backend_fault: bool,
) -> Result<String, String> {
    let name = component.name;
    match stopped? {
        Stopped::Drained(took, status) if status.success() => {
            Ok(format!("{name} drained in {} ms", took.as_millis()))
        }
        Stopped::Drained(took, status)
            if backend_fault
                && status.code().is_some()
                && took >= saga_runtime::shutdown::GRACE =>
        {
            Ok(format!(
                "{name} overran its grace period under a backend fault and exited with {status}                  after {} ms: a stop",
                took.as_millis()
            ))
        }
        Stopped::Drained(took, status) => Err(format!(
            "{name} stopped with {status} after {} ms",
            took.as_millis()
        )),
        Stopped::Killed => Ok(format!("{name} overran its grace period: SIGKILLed")),
        Stopped::CutAtRestart(after) => Ok(format!(
            "{name} still draining when its restart came after {} ms: SIGKILLed, as an \
             orchestrator does",
            after.as_millis()
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    use saga_components::registry::PAYMENT_WORKER;

    use super::*;

    fn drained(secs: u64, raw: i32) -> Result<Stopped, String> {
        let status = ExitStatus::from_raw(raw);
        Ok(Stopped::Drained(Duration::from_secs(secs), status))
    }

    #[test]
    fn a_failed_exit_is_a_stop_only_after_an_overrun_grace_under_a_backend_fault() {
        let exit_1 = 1 << 8;
        assert!(judge(PAYMENT_WORKER, drained(1, 0), false).is_ok());
        assert!(judge(PAYMENT_WORKER, drained(11, exit_1), true).is_ok());
        // No backend fault: the shutdown path is broken.
        assert!(judge(PAYMENT_WORKER, drained(11, exit_1), false).is_err());
        // Failed within its grace: not an overrun.
        assert!(judge(PAYMENT_WORKER, drained(2, exit_1), true).is_err());
        // Killed by SIGTERM itself: never a drain.
        let by_signal = judge(PAYMENT_WORKER, drained(11, 15), true).unwrap_err();
        assert!(by_signal.contains("signal: 15"), "{by_signal}");
        assert!(judge(PAYMENT_WORKER, Ok(Stopped::Killed), false).is_ok());
        let cut = Stopped::CutAtRestart(Duration::from_millis(800));
        assert!(judge(PAYMENT_WORKER, Ok(cut), false).is_ok());
        assert!(judge(PAYMENT_WORKER, Err("kill: no such process".into()), true).is_err());
    }
}
