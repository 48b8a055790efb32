//! A clock fault on the real stack. A component reads its clock's skew from its environment
//! once, at start (`CLOCK_OFFSET_MS`, `CLOCK_DRIFT_PER_MILLE`), so the runner restarts it —
//! a deploy's stop, judged as one, then a start — with the skew, and again without it when
//! the fault ends: where the simulation moves a running host's clock and sets it right, the
//! real component is restarted twice. A drift runs from the restart, as the simulated one
//! runs from the fault's start.

use std::time::Duration;

use saga_components::Component;
use saga_faults::plan::ClockSkew;

use crate::error::ChaosError;
use crate::player::{Outcome, Player, Shared};

/// How long a restarted component is given to start listening for SIGTERM.
const LISTENING_PATIENCE: Duration = Duration::from_secs(2);

/// SIGTERM (signal 15) in a `/proc/PID/status` signal mask.
const SIGTERM_BIT: u64 = 1 << (15 - 1);

/// Whether a `/proc/PID/status` text shows SIGTERM caught (its `SigCgt` mask).
pub fn catches_sigterm(status: &str) -> bool {
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok());
    mask.is_some_and(|m| m & SIGTERM_BIT != 0)
}

/// Waits, within [`LISTENING_PATIENCE`], until process `pid` catches SIGTERM; whether it did.
/// Polled: nothing announces a process's new signal handler.
async fn listening(pid: u32) -> bool {
    let deadline = tokio::time::Instant::now() + LISTENING_PATIENCE;
    let path = format!("/proc/{pid}/status");
    while tokio::time::Instant::now() < deadline {
        let status = std::fs::read_to_string(&path).unwrap_or_default();
        if catches_sigterm(&status) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// The variables a component is started with for `skew`; none for the right clock.
pub fn env(skew: Option<ClockSkew>) -> Vec<(String, String)> {
    match skew {
        None => Vec::new(),
        Some(ClockSkew::Jump { ms }) => vec![(saga::real::CLOCK_OFFSET.to_owned(), ms.to_string())],
        Some(ClockSkew::Drift { per_mille }) => {
            vec![(saga::real::CLOCK_DRIFT.to_owned(), per_mille.to_string())]
        }
    }
}

impl Player<'_> {
    /// Stops `victim` as a deploy does (judged as [`crate::deploy::judge`] judges a stop) and
    /// starts it with the clock `skew` asks for. In a plan, a stop still draining when the
    /// next step on the component is due is SIGKILLed then, as a plan's restart cuts a
    /// drain: the simulated clock changes at once and delays nothing.
    pub(crate) async fn reclock(
        &self,
        i: usize,
        victim: Component,
        skew: Option<ClockSkew>,
        shared: &Shared,
    ) -> Result<Outcome, ChaosError> {
        // Not running (exited by itself, being restarted): nothing to stop, start it skewed.
        let taken = self.fleet.take(&[victim]).unwrap_or_default();
        let at_signal = shared.state().faults.any();
        let next = (self.restart_cuts_drain)
            .then(|| shared.order.restarted_at[i].map(|at| shared.start + at))
            .flatten()
            .map(tokio::time::Instant::into_std);
        let stops = crate::deploy::terminate_all(taken, next).await;
        let backend_fault = at_signal || shared.state().faults.any();
        let judged: Result<Vec<String>, String> = stops
            .into_iter()
            .map(|(c, stopped)| crate::deploy::judge(c, stopped, backend_fault))
            .collect();
        // Started whatever the stop's verdict: a failed stop fails the step, not the run.
        self.fleet
            .start_with(victim, env(skew))
            .map_err(|e| ChaosError::component("fleet", e.to_string()))?;
        let mut lines = judged.map_err(|e| ChaosError::component("deploy", e))?;
        if lines.is_empty() {
            lines.push(format!("{} was not running", victim.name));
        }
        // The simulated host never stops, so a later stop always finds it listening; the step
        // ends once the new process listens too, or a stop right behind it would find a
        // process not yet past its first instructions and kill it by the signal.
        let pid = self.fleet.pid(victim);
        if !futures::future::OptionFuture::from(pid.map(listening))
            .await
            .unwrap_or(false)
        {
            lines.push(format!(
                "not listening for SIGTERM within {LISTENING_PATIENCE:?}"
            ));
        }
        Ok(Outcome::Done(Some(lines.join("; "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigterm_is_caught_when_its_bit_is_in_the_mask() {
        let caught = "Name:\tchaos\nSigBlk:\t0000000000000000\nSigCgt:\t0000000180004a02\n";
        assert!(catches_sigterm(caught));
        let default = "SigCgt:\t0000000000000002\n";
        assert!(!catches_sigterm(default));
        assert!(!catches_sigterm(""));
    }

    #[test]
    fn a_skew_becomes_the_variable_the_clock_port_reads_and_the_right_clock_none() {
        let jump = env(Some(ClockSkew::Jump { ms: -90_000 }));
        assert_eq!(jump, [("CLOCK_OFFSET_MS".to_owned(), "-90000".to_owned())]);
        let drift = env(Some(ClockSkew::Drift { per_mille: 250 }));
        assert_eq!(
            drift,
            [("CLOCK_DRIFT_PER_MILLE".to_owned(), "250".to_owned())]
        );
        assert!(env(None).is_empty());
    }
}
