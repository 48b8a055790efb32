//! Replaying and discarding one dead letter. A replay re-publishes the original to its source
//! topic with its key and correlation id, marked with the replay headers (`replay_of`,
//! `replay_count`), then records the action; a letter already acted on is left alone, so
//! pressing Replay twice publishes once. Publishing comes first: if it fails nothing is
//! recorded and the letter stays open, so nothing is lost.
//!
//! A replay re-publishes an old event id, which consumers deduplicate only while they keep its
//! record; so a letter rejected longer ago than `SAGA_REPUBLISH_MAX_AGE_SECONDS` is not
//! replayed (the redelivery window every deduplication record outlives counts that age,
//! `saga_core::redelivery`): the operator discards it and re-sends the order's work anew.

use saga_core::TraceParent;
use saga_core::ports::{
    DeadLetterAction, DeadLetterActionKind, DeadLetterLedger, EventBus, OutgoingMessage, PortError,
    ReplayMark,
};
use time::OffsetDateTime;

use super::DeadLetter;
use crate::otel;

/// Who acts, why, and when.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The operator API key's name, or the account running the command when no keys are set.
    pub name: String,
    pub why: String,
    pub at: OffsetDateTime,
    /// The operator's request (its hop), when the action came over HTTP: a replay's span
    /// links to it.
    pub request: Option<TraceParent>,
    /// `SAGA_REPUBLISH_MAX_AGE_SECONDS`: the oldest letter this actor may replay.
    pub max_age: std::time::Duration,
}

/// Why an action was not taken.
#[derive(Debug, thiserror::Error)]
pub enum DlqError {
    #[error("dead letter {id} was already {} by {} at {}: nothing done", .action.kind.as_str(), .action.actor, .action.at)]
    AlreadyActed {
        id: saga_core::EventId,
        action: Box<DeadLetterAction>,
    },
    #[error(
        "dead letter {id} cannot be replayed: its original ({size} bytes) was too large for the DLQ \
         and only its first {kept} bytes were kept (SHA-256 {sha256}); discard it and re-send \
         the record from its producer"
    )]
    Truncated {
        id: saga_core::EventId,
        size: u64,
        kept: usize,
        sha256: String,
    },
    #[error(
        "dead letter {id} cannot be replayed: it was rejected {age} s ago, longer than \
         SAGA_REPUBLISH_MAX_AGE_SECONDS={max} s, and consumers may have forgotten its event \
         id; discard it and re-send the work anew (or raise the variable, which lengthens \
         every deduplication retention the start-up checks demand)"
    )]
    TooOld {
        id: saga_core::EventId,
        age: i64,
        max: u64,
    },
    #[error(transparent)]
    Port(#[from] PortError),
}

/// A replay done (or, with `dry_run`, what it would publish).
#[derive(Debug, Clone)]
pub struct Replayed {
    pub message: OutgoingMessage,
    /// False for a dry run.
    pub published: bool,
}

/// Re-publishes `letter`'s original to its source topic and records the replay.
///
/// # Errors
/// [`DlqError::AlreadyActed`] for a letter replayed or discarded before (also when another
/// operator's action won the race: the original was then published twice, which consumers
/// deduplicate), [`DlqError::Truncated`] when the original was not kept whole, and
/// [`DlqError::Port`] when publishing or recording failed (after a publish failure the
/// letter stays open).
pub async fn replay(
    bus: &dyn EventBus,
    ledger: &dyn DeadLetterLedger,
    letter: &DeadLetter,
    actor: &Actor,
    dry_run: bool,
) -> Result<Replayed, DlqError> {
    open(letter)?;
    young_enough(letter, actor)?;
    let rejection = &letter.rejection;
    let original = &rejection.original;
    if original.truncated {
        return Err(DlqError::Truncated {
            id: letter.id,
            size: original.size,
            kept: original.bytes.len(),
            sha256: original.sha256.clone(),
        });
    }
    let count = rejection.replay_count + 1;
    let message = OutgoingMessage {
        topic: rejection.source.topic,
        key: rejection
            .source
            .key
            .clone()
            .unwrap_or_else(|| letter.id.to_string()),
        payload: original.bytes.clone(),
        correlation_id: rejection.source.correlation_id.clone(),
        replay: Some(ReplayMark {
            dead_letter: letter.id,
            count,
        }),
        trace: letter.trace,
    };
    if dry_run {
        return Ok(Replayed {
            message,
            published: false,
        });
    }
    let mut span = otel::within("dlq replay", otel::Kind::Internal, letter.trace);
    if let Some(request) = actor.request {
        span.link(request);
    }
    span.attr("saga.dead_letter", letter.id);
    span.attr("saga.replay_count", count);
    span.attr("saga.actor", &actor.name);
    let kind = DeadLetterActionKind::Replayed { count };
    if saga_core::mutant::active(saga_core::mutant::Mutant::RecordReplayBeforePublish) {
        // The bug: the letter is closed before its copy is out.
        record(ledger, letter, kind, actor).await?;
        bus.publish(vec![message.clone()]).await?;
        return Ok(Replayed {
            message,
            published: true,
        });
    }
    bus.publish(vec![message.clone()]).await?;
    span.outcome("replayed", false);
    record(ledger, letter, kind, actor).await?;
    Ok(Replayed {
        message,
        published: true,
    })
}

fn young_enough(letter: &DeadLetter, actor: &Actor) -> Result<(), DlqError> {
    let age = actor.at - letter.at;
    if age <= actor.max_age {
        return Ok(());
    }
    Err(DlqError::TooOld {
        id: letter.id,
        age: age.whole_seconds(),
        max: actor.max_age.as_secs(),
    })
}

/// Closes `letter` without replaying it, recording who, when and why.
///
/// # Errors
/// [`DlqError::AlreadyActed`] for a letter replayed or discarded before, [`DlqError::Port`]
/// when the ledger is unreachable.
pub async fn discard(
    ledger: &dyn DeadLetterLedger,
    letter: &DeadLetter,
    actor: &Actor,
) -> Result<(), DlqError> {
    open(letter)?;
    record(ledger, letter, DeadLetterActionKind::Discarded, actor).await
}

fn open(letter: &DeadLetter) -> Result<(), DlqError> {
    match &letter.action {
        Some(action) => Err(DlqError::AlreadyActed {
            id: letter.id,
            action: Box::new(action.clone()),
        }),
        None => Ok(()),
    }
}

async fn record(
    ledger: &dyn DeadLetterLedger,
    letter: &DeadLetter,
    kind: DeadLetterActionKind,
    actor: &Actor,
) -> Result<(), DlqError> {
    let action = DeadLetterAction {
        dead_letter: letter.id,
        kind,
        actor: actor.name.clone(),
        why: actor.why.clone(),
        at: actor.at,
    };
    if ledger.record(&action).await? {
        return Ok(());
    }
    let winner = ledger
        .actions()
        .await?
        .into_iter()
        .find(|a| a.dead_letter == letter.id)
        .unwrap_or(action);
    Err(DlqError::AlreadyActed {
        id: letter.id,
        action: Box::new(winner),
    })
}
