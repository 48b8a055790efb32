//! The dead-letter page's model: letters grouped by reason, source topic and rejecting
//! consumer group, with counts and first/last seen, filtered like `saga dlq list`.

use std::collections::BTreeMap;

use saga_core::Topic;
use saga_core::event::RejectionCode;
use saga_core::ports::DeadLetterActionKind;
use saga_runtime::dlq::{DeadLetter, Filter, Kept};
use time::OffsetDateTime;

/// Letters rejected for one reason, from one topic, by one group.
#[derive(Debug, Clone)]
pub struct Group<'a> {
    pub reason: RejectionCode,
    pub topic: Topic,
    pub group: &'a str,
    pub first: OffsetDateTime,
    pub last: OffsetDateTime,
    pub open: usize,
    pub letters: Vec<&'a DeadLetter>,
}

/// The groups of the letters `filter` admits, by reason, topic and group.
pub fn groups<'a>(letters: &'a [DeadLetter], filter: &Filter) -> Vec<Group<'a>> {
    let mut by: BTreeMap<(RejectionCode, Topic, &str), Vec<&DeadLetter>> = BTreeMap::new();
    for letter in letters.iter().filter(|l| filter.admits(l)) {
        let r = &letter.rejection;
        by.entry((r.code, r.source.topic, r.rejected_by.group.as_str()))
            .or_default()
            .push(letter);
    }
    by.into_iter()
        .map(|((reason, topic, group), letters)| Group {
            reason,
            topic,
            group,
            first: letters
                .iter()
                .map(|l| l.at)
                .min()
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
            last: letters
                .iter()
                .map(|l| l.at)
                .max()
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
            open: letters.iter().filter(|l| l.is_open()).count(),
            letters,
        })
        .collect()
}

/// The page's filter from its query (`reason`, `topic`, `all`).
///
/// # Errors
/// The field that does not parse.
pub fn filter(fields: &BTreeMap<String, String>) -> Result<Filter, String> {
    let field = |name: &str| fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let reason = field("reason")
        .map(|r| {
            RejectionCode::parse(r).ok_or_else(|| format!("reason {r:?} is not a rejection reason"))
        })
        .transpose()?;
    let topic = field("topic")
        .map(|t| match Topic::parse(t) {
            Some(topic) if topic.dlq() != topic => Ok(topic),
            _ => Err(format!(
                "topic {t:?} is not a source topic (orders or payments)"
            )),
        })
        .transpose()?;
    Ok(Filter {
        reason,
        topic,
        closed_too: field("all").is_some(),
    })
}

/// The health page's dead-letter summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Open letters per rejection reason.
    pub open: BTreeMap<&'static str, usize>,
    pub replayed: usize,
    pub discarded: usize,
    /// Letters kept in the dead-letter table (the DLQ topic refused them).
    pub in_table: usize,
}

pub fn tally(letters: &[DeadLetter]) -> Tally {
    let mut tally = Tally::default();
    for letter in letters {
        match letter.action.as_ref().map(|a| a.kind) {
            None => {
                *tally
                    .open
                    .entry(letter.rejection.code.as_str())
                    .or_default() += 1
            }
            Some(DeadLetterActionKind::Replayed { .. }) => tally.replayed += 1,
            Some(DeadLetterActionKind::Discarded) => tally.discarded += 1,
        }
        if letter.kept == Kept::Table {
            tally.in_table += 1;
        }
    }
    tally
}
