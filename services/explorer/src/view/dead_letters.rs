//! The dead-letter page's model: letters grouped by reason, source topic and rejecting
//! consumer group, with counts and first/last seen, filtered like `saga dlq list`.

use std::collections::BTreeMap;

use saga_core::Topic;
use saga_core::event::RejectionCode;
use saga_core::ports::DeadLetterActionKind;
use saga_runtime::dlq::{DeadLetter, Filter, Kept};
use time::OffsetDateTime;

/// Letters rejected for one reason, from one topic, by one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    pub reason: RejectionCode,
    pub topic: Topic,
    pub group: String,
    pub first: OffsetDateTime,
    pub last: OffsetDateTime,
    pub open: u64,
    pub replayed: u64,
    /// Kept only in the dead-letter table (the DLQ topic refused them).
    pub in_table: u64,
    pub total: u64,
}

/// The letters `filter` admits, counted by reason, topic and group.
pub fn summarize(letters: &[DeadLetter], filter: &Filter) -> Vec<GroupSummary> {
    let mut by: BTreeMap<(RejectionCode, Topic, &str), GroupSummary> = BTreeMap::new();
    for letter in letters.iter().filter(|l| filter.admits(l)) {
        let r = &letter.rejection;
        let key = (r.code, r.source.topic, r.rejected_by.group.as_str());
        let group = by.entry(key).or_insert_with(|| GroupSummary {
            reason: r.code,
            topic: r.source.topic,
            group: r.rejected_by.group.clone(),
            first: letter.at,
            last: letter.at,
            open: 0,
            replayed: 0,
            in_table: 0,
            total: 0,
        });
        group.first = group.first.min(letter.at);
        group.last = group.last.max(letter.at);
        group.total += 1;
        group.open += u64::from(letter.is_open());
        let replayed = letter
            .action
            .as_ref()
            .is_some_and(|a| matches!(a.kind, DeadLetterActionKind::Replayed { .. }));
        group.replayed += u64::from(replayed);
        group.in_table += u64::from(letter.kept == Kept::Table);
    }
    by.into_values().collect()
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
    pub open: BTreeMap<&'static str, u64>,
    pub replayed: u64,
    pub discarded: u64,
    /// Letters kept in the dead-letter table (the DLQ topic refused them).
    pub in_table: u64,
}

/// Every letter counted, from the groups of all letters (closed ones too).
pub fn tally(groups: &[GroupSummary]) -> Tally {
    let mut tally = Tally::default();
    for g in groups {
        if g.open > 0 {
            *tally.open.entry(g.reason.as_str()).or_default() += g.open;
        }
        tally.replayed += g.replayed;
        tally.discarded += g.total - g.open - g.replayed;
        tally.in_table += g.in_table;
    }
    tally
}
