//! A clock fault on the real stack. A component reads its clock's skew from its environment
//! once, at start (`CLOCK_OFFSET_MS`, `CLOCK_DRIFT_PER_MILLE`), so the runner restarts it —
//! a deploy's stop, judged as one, then a start — with the skew, and again without it when
//! the fault ends: where the simulation moves a running host's clock and sets it right, the
//! real component is restarted twice. A drift runs from the restart, as the simulated one
//! runs from the fault's start.

use saga_components::Component;
use saga_faults::plan::ClockSkew;

use crate::error::ChaosError;
use crate::player::{Outcome, Player, Shared};

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
        Ok(Outcome::Done(Some(lines.join("; "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
