//! How a data fault (poison, forgery, an order made unprocessable) is played when its first
//! attempt does not act, as the simulation's fault driver plays it. With nothing in the state
//! to act on, it is skipped ("nothing to forge against"). With a backend it goes through
//! unreachable — the plan may have just killed or cut off PostgreSQL or Kafka, which the
//! simulated driver, reading the state and appending to the log without a connection, never
//! needs — it waits for the plan's own faults on that backend to end, then retries for
//! [`MARGIN`] while the backend comes back; only then is it skipped, with the reason.

use std::time::Duration;

use tokio::time::Instant;

use crate::error::ChaosError;
use crate::player::{Outcome, Player, Shared};
use crate::sabotage::{SabotageError, Sabotaged};
use crate::timeline::Action;

/// How long a data fault keeps retrying once the faults keeping its backends down have ended
/// (a restarted Kafka takes seconds to take writes again).
pub const MARGIN: Duration = Duration::from_secs(20);

/// The pause between attempts.
pub const RETRY: Duration = Duration::from_millis(500);

/// What to do after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Wait for the steps that end the plan's faults on the needed backends, then retry.
    AwaitBackends,
    Retry,
    /// Not played, and not a failure of the run: the reason.
    Skip(String),
    /// The step failed.
    Fail(String),
}

/// After a failed attempt: `since_back` is how long ago the plan's faults on the backends
/// ended, `None` while they have not been awaited yet.
pub fn next(error: &SabotageError, since_back: Option<Duration>) -> Next {
    match (error, since_back) {
        (SabotageError::NoTarget(why), _) => Next::Skip(format!("no target: {why}")),
        (SabotageError::Unreachable { .. }, None) => Next::AwaitBackends,
        (SabotageError::Unreachable { .. }, Some(since)) if since < MARGIN => Next::Retry,
        (SabotageError::Unreachable { .. }, Some(since)) => Next::Skip(format!(
            "{error} {:.0} s after the plan's faults on it ended",
            since.as_secs_f64()
        )),
        (SabotageError::Failed(e), _) => Next::Fail(e.to_string()),
    }
}

impl Player<'_> {
    /// Plays data fault `i` (`action`) as [`next`] says, until it acts or is skipped.
    pub(crate) async fn sabotage(
        &self,
        i: usize,
        action: &Action,
        shared: &Shared,
    ) -> Result<Outcome, ChaosError> {
        let first = Instant::now();
        let mut back: Option<Instant> = None;
        loop {
            let error = match self.sabotage_once(action).await {
                Ok(done) => {
                    let mut note = format!("{done:?}");
                    if back.is_some() {
                        let waited = first.elapsed().as_secs_f64();
                        note.push_str(&format!(" (waited {waited:.1}s for its backends)"));
                    }
                    shared.state().sabotaged.push(done);
                    return Ok(Outcome::Done(Some(note)));
                }
                Err(error) => error,
            };
            match next(&error, back.map(|b| b.elapsed())) {
                Next::AwaitBackends => {
                    for &end in &shared.order.backends_back[i] {
                        shared.finished(end).await;
                    }
                    back = Some(Instant::now());
                }
                Next::Retry => tokio::time::sleep(RETRY).await,
                Next::Skip(why) => return Ok(Outcome::Skipped(why)),
                Next::Fail(why) => return Err(ChaosError::component("saboteur", why)),
            }
        }
    }

    async fn sabotage_once(&self, action: &Action) -> Result<Sabotaged, SabotageError> {
        let saboteur = &self.saboteur;
        match action {
            Action::Poison { topic, size } => saboteur.poison(*topic, *size).await,
            Action::Forge(forgery) => saboteur.forge(*forgery).await,
            Action::CorruptDecision => saboteur.corrupt_decision().await,
            Action::RefusePayment => saboteur.refuse_payment().await,
            other => Err(ChaosError::Plan(format!("{other} is no data fault")).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ChaosError;

    fn kafka_down() -> SabotageError {
        SabotageError::Unreachable {
            backend: "Kafka",
            reason: "connection refused".into(),
        }
    }

    #[test]
    fn no_target_is_skipped_at_once() {
        let none = SabotageError::NoTarget("no order to forge a contradiction".into());
        let Next::Skip(why) = next(&none, None) else {
            panic!("not skipped");
        };
        assert_eq!(why, "no target: no order to forge a contradiction");
    }

    #[test]
    fn an_unreachable_backend_is_awaited_then_retried_within_the_margin_then_skipped() {
        assert_eq!(next(&kafka_down(), None), Next::AwaitBackends);
        assert_eq!(
            next(&kafka_down(), Some(Duration::from_secs(3))),
            Next::Retry
        );
        let Next::Skip(why) = next(&kafka_down(), Some(MARGIN)) else {
            panic!("not skipped after the margin");
        };
        assert!(why.starts_with("Kafka unreachable"), "{why}");
    }

    #[test]
    fn any_other_error_fails_the_step() {
        let broken = SabotageError::Failed(ChaosError::backend("PostgreSQL", "syntax error"));
        assert_eq!(
            next(&broken, None),
            Next::Fail("PostgreSQL: syntax error".into())
        );
    }
}
