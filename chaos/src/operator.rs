//! Operators on the real stack: the product's own replay and discard (`saga_runtime::dlq`,
//! what `saga dlq` runs) over the real adapters, on one dead letter open when the step plays,
//! through the deployment's proxied addresses as a component reaches them. Two operators act
//! at once when the plan says so, each with its own connections. An operator cut off from
//! Kafka is given a loopback listener that accepts and never answers as its broker: its own
//! link black-holes, as the simulation partitions that one host from Kafka, while the shared
//! proxy the components use stays up. With no open letter the step is skipped, as the
//! simulation skips it. What each operator's action came to goes to the report; the checker
//! judges the ledger and the replayed copies from the deployment's state like any other.

use std::fmt;
use std::net::TcpListener;
use std::time::Duration;

use saga_faults::OperatorAct;
use saga_kafka::KafkaEventBus;
use saga_postgres::{PgConfig, PgDeadLetterLedger};
use saga_runtime::dlq::{self, Actor, DeadLetter, DlqError};

use crate::data_step::{Next, RETRY, next};
use crate::deployment::Deployment;
use crate::error::ChaosError;
use crate::player::{Outcome, Player, Shared};
use crate::sabotage::SabotageError;

/// How long a cut-off operator waits for its black-holed broker before giving up.
const CUT_OFF_PATIENCE: Duration = Duration::from_secs(3);

/// What one operator's action came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acted {
    Ok,
    /// Another action on the letter came first.
    Refused(String),
    /// A backend did not take it (the letter stays open when a replay's publish failed).
    Failed(String),
    /// The letter cannot be replayed (truncated, or too old).
    NotReplayable(String),
}

impl fmt::Display for Acted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok => f.write_str("ok"),
            Self::Refused(why) => write!(f, "refused ({why})"),
            Self::Failed(why) => write!(f, "failed ({why})"),
            Self::NotReplayable(why) => write!(f, "not replayable ({why})"),
        }
    }
}

/// The product's answer as an outcome.
pub fn acted(outcome: Result<(), DlqError>) -> Acted {
    match outcome {
        Ok(()) => Acted::Ok,
        Err(e @ DlqError::AlreadyActed { .. }) => Acted::Refused(e.to_string()),
        Err(e @ DlqError::Port(_)) => Acted::Failed(e.to_string()),
        Err(e @ (DlqError::Truncated { .. } | DlqError::TooOld { .. })) => {
            Acted::NotReplayable(e.to_string())
        }
    }
}

/// The letter the operators act on: the oldest open one, the first `saga dlq list` shows.
pub fn choose(letters: Vec<DeadLetter>) -> Option<DeadLetter> {
    letters
        .into_iter()
        .filter(DeadLetter::is_open)
        .min_by_key(|l| (l.at, l.id))
}

/// One operator's connections to the deployment.
struct Operator {
    name: String,
    bus: KafkaEventBus,
    ledger: PgDeadLetterLedger,
    pool: sqlx::PgPool,
}

/// Connects operator `n` through the proxied addresses; with `broker`, to that Kafka instead.
async fn connect(
    deployment: &Deployment,
    n: usize,
    broker: Option<String>,
) -> Result<Operator, String> {
    let url = saga_harness::scratch::with_database(
        &deployment.endpoints.database_proxied,
        deployment.database_name(),
    );
    let mut pg = PgConfig::new(url);
    pg.connect_attempts = 1;
    let pool = pg.connect().await.map_err(|e| e.to_string())?;
    let mut kafka = deployment.state().kafka();
    kafka.bootstrap_servers = deployment.endpoints.kafka_proxied.clone();
    kafka.connect_attempts = 1;
    if let Some(broker) = broker {
        kafka.bootstrap_servers = broker;
        kafka.request_timeout = CUT_OFF_PATIENCE;
    }
    let bus = match KafkaEventBus::connect(kafka).await {
        Ok(bus) => bus,
        Err(e) => {
            pool.close().await;
            return Err(format!("Kafka: {e}"));
        }
    };
    Ok(Operator {
        name: format!("chaos-operator-{n}"),
        ledger: PgDeadLetterLedger::new(pool.clone(), Duration::from_secs(10)),
        bus,
        pool,
    })
}

/// One operator's replay (or discard) of `letter`, through the product's own code.
async fn act_on(operator: &Operator, letter: &DeadLetter, replay: bool) -> Acted {
    let actor = Actor {
        name: operator.name.clone(),
        why: "chaos plan operator".into(),
        request: None,
        at: time::OffsetDateTime::now_utc(),
        max_age: saga_core::redelivery::DEFAULT_REPUBLISH_MAX_AGE,
    };
    let outcome = if replay {
        dlq::replay(&operator.bus, &operator.ledger, letter, &actor, false)
            .await
            .map(|_| ())
    } else {
        dlq::discard(&operator.ledger, letter, &actor).await
    };
    acted(outcome)
}

fn io_err(e: std::io::Error) -> ChaosError {
    ChaosError::component("operator", format!("a black-holing listener: {e}"))
}

/// The deployment's dead letters, read directly as the simulation reads its durable state.
async fn letters(deployment: &Deployment) -> Result<Vec<DeadLetter>, SabotageError> {
    let snapshot = deployment.state().read(&[]).await.map_err(|e| {
        let backend = e.backend;
        SabotageError::Unreachable {
            backend,
            reason: e.reason,
        }
    })?;
    let (letters, _) = dlq::gather(
        &snapshot.bus.records,
        &snapshot.dead_letters,
        &snapshot.dead_letter_actions,
    );
    Ok(letters)
}

impl Player<'_> {
    /// The dead letters once they can be read: with PostgreSQL or Kafka unreachable, after
    /// the plan's faults on them end and within [`crate::data_step::MARGIN`] more, as a data
    /// fault waits for its backends; `Err` with the reason to skip the step otherwise.
    async fn readable_letters(&self, i: usize, shared: &Shared) -> Result<Vec<DeadLetter>, String> {
        let mut back: Option<tokio::time::Instant> = None;
        loop {
            let error = match letters(self.saboteur.deployment).await {
                Ok(letters) => return Ok(letters),
                Err(error) => error,
            };
            match next(&error, back.map(|b| b.elapsed())) {
                Next::AwaitBackends => {
                    for &end in &shared.order.backends_back[i] {
                        shared.finished(end).await;
                    }
                    back = Some(tokio::time::Instant::now());
                }
                Next::Retry => tokio::time::sleep(RETRY).await,
                Next::Skip(why) | Next::Fail(why) => return Err(why),
            }
        }
    }

    /// Plays `act` (step `i`) on the oldest open dead letter, each operator's outcome noted.
    pub(crate) async fn operate(
        &self,
        i: usize,
        act: OperatorAct,
        shared: &Shared,
    ) -> Result<Outcome, ChaosError> {
        let deployment = self.saboteur.deployment;
        let letters = match self.readable_letters(i, shared).await {
            Ok(letters) => letters,
            Err(why) => return Ok(Outcome::Skipped(format!("dead letters unreadable: {why}"))),
        };
        let Some(letter) = choose(letters) else {
            return Ok(Outcome::Skipped(
                "no open dead letter for the operators".into(),
            ));
        };
        // Held until the operators are done: while it lives, connections to it hang.
        let black_hole = match act.cut_off() {
            true => Some(TcpListener::bind("127.0.0.1:0").map_err(io_err)?),
            false => None,
        };
        let broker = match &black_hole {
            Some(listener) => Some(listener.local_addr().map_err(io_err)?.to_string()),
            None => None,
        };
        let operators = act.operators();
        let connected = futures::future::join_all(
            (0..operators.len()).map(|n| connect(deployment, n, broker.clone())),
        )
        .await;
        let letter = &letter;
        let acts = connected
            .iter()
            .zip(operators)
            .map(|(operator, &replay)| async move {
                match operator {
                    Ok(operator) => act_on(operator, letter, replay).await,
                    Err(why) => Acted::Failed(why.clone()),
                }
            });
        let acted = futures::future::join_all(acts).await;
        drop(black_hole);
        for operator in connected.into_iter().flatten() {
            operator.pool.close().await;
        }
        let lines: Vec<String> = acted
            .iter()
            .zip(operators)
            .enumerate()
            .map(|(n, (outcome, &replay))| {
                let verb = if replay { "replay" } else { "discard" };
                format!("{verb} by chaos-operator-{n}: {outcome}")
            })
            .collect();
        let note = format!("dead letter {}: {}", letter.id, lines.join("; "));
        shared.state().operated.push(note.clone());
        Ok(Outcome::Done(Some(note)))
    }
}

#[cfg(test)]
mod tests {
    use saga_core::event::{Original, RejectedBy, Rejection, RejectionCode, RejectionSource};
    use saga_core::ports::{DeadLetterAction, DeadLetterActionKind, PortError};
    use saga_runtime::dlq::Kept;

    use super::*;

    fn letter(bits: u128, seconds: i64, acted: bool) -> DeadLetter {
        let id = saga_core::EventId::from_random_bits(bits);
        DeadLetter {
            id,
            at: time::OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(seconds),
            rejection: Rejection {
                code: RejectionCode::Undecodable,
                reason: String::new(),
                source: RejectionSource {
                    topic: saga_core::Topic::Orders,
                    partition: 0,
                    offset: 0,
                    key: None,
                    correlation_id: None,
                },
                rejected_by: RejectedBy {
                    group: String::new(),
                    component: String::new(),
                },
                attempts: 1,
                original: Original::whole(b"poison".to_vec()),
                replay_count: 0,
            },
            kept: Kept::Table,
            action: acted.then(|| DeadLetterAction {
                dead_letter: id,
                kind: DeadLetterActionKind::Discarded,
                actor: "someone".into(),
                why: String::new(),
                at: time::OffsetDateTime::UNIX_EPOCH,
            }),
            trace: None,
        }
    }

    #[test]
    fn the_operators_take_the_oldest_open_letter_or_none() {
        let chosen = choose(vec![
            letter(1, 30, false),
            letter(2, 10, true),
            letter(3, 20, false),
        ]);
        assert_eq!(
            chosen.map(|l| l.id),
            Some(saga_core::EventId::from_random_bits(3))
        );
        assert_eq!(choose(vec![letter(2, 10, true)]), None);
        assert_eq!(choose(Vec::new()), None);
    }

    #[test]
    fn the_products_answers_are_ok_refused_failed_or_not_replayable() {
        let id = saga_core::EventId::from_random_bits(7);
        assert_eq!(acted(Ok(())), Acted::Ok);
        let action = DeadLetterAction {
            dead_letter: id,
            kind: DeadLetterActionKind::Discarded,
            actor: "chaos-operator-1".into(),
            why: String::new(),
            at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let refused = acted(Err(DlqError::AlreadyActed {
            id,
            action: Box::new(action),
        }));
        assert!(matches!(&refused, Acted::Refused(why) if why.contains("chaos-operator-1")));
        assert!(refused.to_string().starts_with("refused ("));
        let down = PortError::timeout("Kafka", Duration::from_secs(3));
        assert!(matches!(acted(Err(down.into())), Acted::Failed(_)));
        let old = DlqError::TooOld {
            id,
            age: 90_000,
            max: 86_400,
        };
        assert!(matches!(acted(Err(old)), Acted::NotReplayable(_)));
    }
}
