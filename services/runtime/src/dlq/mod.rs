//! Dead-letter operations (`saga dlq`, the explorer's DLQ view): every rejection, whether it
//! sits on a DLQ topic (`orders.dlq`, `payments.dlq`) or in the dead-letter table the DLQ could
//! not take it from, gathered into one list with what operators did to each; and the two
//! actions, [`replay`] and [`discard`].
//!
//! A dead letter is named by its `EVENT_REJECTED` event id. It is open until an operator
//! replays or discards it; each is acted on once (the [`DeadLetterLedger`] keeps the first).
//! A replayed original that is rejected again becomes a new, open dead letter carrying its
//! replay count, so a cause that remains shows up again instead of vanishing.
//!
//! [`DeadLetterLedger`]: saga_core::ports::DeadLetterLedger

mod act;

use std::collections::BTreeMap;

use saga_core::event::{Rejection, RejectionCode, decode};
use saga_core::ports::DeadLetterAction;
use saga_core::snapshot::TopicRecord;
use saga_core::{Envelope, EventBody, EventId, Topic, TraceParent};
use time::OffsetDateTime;

pub use act::{Actor, DlqError, Replayed, discard, replay};

/// Where a dead letter is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// On a DLQ topic.
    Topic {
        topic: Topic,
        partition: u32,
        offset: u64,
    },
    /// In the dead-letter table, as the DLQ topic would not take it.
    Table,
}

/// One rejection and what was done with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub id: EventId,
    /// When the consumer rejected the record.
    pub at: OffsetDateTime,
    pub rejection: Rejection,
    pub kept: Kept,
    /// The operator's replay or discard, if any.
    pub action: Option<DeadLetterAction>,
    /// The trace the rejected record belonged to (its DLQ record's `traceparent` header): a
    /// replay continues it. `None` for a letter kept in the dead-letter table.
    pub trace: Option<TraceParent>,
}

impl DeadLetter {
    /// The letter an `EVENT_REJECTED` envelope is, kept at `kept`; `None` for any other event.
    pub fn from_envelope(envelope: Envelope, kept: Kept) -> Option<Self> {
        letter(envelope, kept)
    }

    pub fn is_open(&self) -> bool {
        self.action.is_none()
    }
}

/// Where a page of dead letters starts: after the letter rejected at this instant with this id.
pub type Position = (OffsetDateTime, EventId);

/// A position as links and `saga dlq list` write it: `<unix nanoseconds>_<letter id>`.
pub fn format_position((at, id): Position) -> String {
    format!("{}_{id}", at.unix_timestamp_nanos())
}

/// The position [`format_position`] wrote; `None` for any other text.
pub fn parse_position(text: &str) -> Option<Position> {
    let (nanos, id) = text.split_once('_')?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(nanos.parse().ok()?).ok()?;
    Some((at, id.parse().ok()?))
}

/// Which dead letters to list or act on.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub reason: Option<RejectionCode>,
    /// The source topic (`orders`, `payments`).
    pub topic: Option<Topic>,
    /// Also those already replayed or discarded.
    pub closed_too: bool,
}

impl Filter {
    pub fn admits(&self, letter: &DeadLetter) -> bool {
        self.reason.is_none_or(|r| r == letter.rejection.code)
            && self
                .topic
                .is_none_or(|t| t == letter.rejection.source.topic)
            && (self.closed_too || letter.is_open())
    }
}

/// Every dead letter: the DLQ topics' records among `records` (records that are not
/// rejections are left out and counted), then the table's `kept` rejections not also on a topic, each with
/// its action from `actions`. Ordered by rejection time, then id.
pub fn gather(
    records: &[TopicRecord],
    kept: &[Envelope],
    actions: &[DeadLetterAction],
) -> (Vec<DeadLetter>, usize) {
    let by_letter: BTreeMap<EventId, &DeadLetterAction> =
        actions.iter().map(|a| (a.dead_letter, a)).collect();
    let mut letters: BTreeMap<EventId, DeadLetter> = BTreeMap::new();
    let mut unreadable = 0;
    let dlq = records.iter().filter(|r| r.topic.dlq() == r.topic);
    for record in dlq {
        let kept = Kept::Topic {
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
        };
        let decoded = decode(&record.payload).ok();
        match decoded.and_then(|e| letter(e.with_trace(record.trace), kept)) {
            Some(letter) => {
                letters.entry(letter.id).or_insert(letter);
            }
            None => unreadable += 1,
        }
    }
    for envelope in kept {
        if let Some(letter) = letter(envelope.clone(), Kept::Table) {
            letters.entry(letter.id).or_insert(letter);
        }
    }
    let mut list: Vec<DeadLetter> = letters
        .into_values()
        .map(|mut letter| {
            letter.action = by_letter.get(&letter.id).map(|a| (*a).clone());
            letter
        })
        .collect();
    list.sort_by_key(|l| (l.at, l.id));
    (list, unreadable)
}

fn letter(envelope: Envelope, kept: Kept) -> Option<DeadLetter> {
    let EventBody::EventRejected(rejection) = envelope.body else {
        return None;
    };
    Some(DeadLetter {
        id: envelope.event_id,
        at: envelope.occurred_at,
        rejection,
        kept,
        action: None,
        trace: envelope.trace,
    })
}

/// The first `chars` characters of an original (invalid UTF-8 replaced), control characters
/// escaped so it stays on one line.
pub fn preview(bytes: &[u8], chars: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    for c in text.chars().take(chars) {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    if text.chars().count() > chars {
        out.push('\u{2026}');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_reads_back_as_written_and_nothing_else_does() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_796_421_795_167_581_464).unwrap();
        let position = (at, EventId::from_random_bits(7));
        assert_eq!(parse_position(&format_position(position)), Some(position));
        for bad in [
            "",
            "12",
            "12_not-an-id",
            "x_00000000-0000-4000-8000-000000000007",
        ] {
            assert_eq!(parse_position(bad), None, "{bad:?}");
        }
    }
}
