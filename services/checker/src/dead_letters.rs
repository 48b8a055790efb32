//! Nothing valid is lost and nothing applicable is thrown away: the DLQs and the dead-letter
//! table hold only what could not be applied, each rejection naming the consumer group that
//! read its record; what cannot be applied is dead-lettered by the group that applies payments;
//! and every valid event a group committed past was applied or dead-lettered *by that group*.

use saga_core::OrderStatus;
use saga_core::event::{Envelope, EventBody, decode};
use saga_core::snapshot::{SystemSnapshot, TopicRecord};
use saga_core::topic::{CONSUMER_GROUPS, STATUS_GROUP as APPLYING_GROUP, Topic};

use crate::index::Index;
use crate::{Property, Violation};

pub(super) fn check(s: &SystemSnapshot, index: &Index<'_>, found: &mut Vec<Violation>) {
    no_applicable_event_in_dlq(s, index, found);
    rejections_name_their_group(index, found);
    unprocessable_dead_lettered(s, index, found);
    no_valid_event_dropped(s, index, found);
}

/// Why an event read from `source` could not have been applied; `None` when it could.
fn unfit(s: &SystemSnapshot, index: &Index<'_>, envelope: &Envelope) -> Option<String> {
    match &envelope.body {
        EventBody::OrderCreated { order_id, .. } => {
            if s.interference.quarantined.contains(order_id) {
                return Some("its order was made unprocessable".into());
            }
            match index.source_event(*order_id) {
                Some(source) if source == envelope.event_id => None,
                _ => Some("it is not the ORDER_CREATED of a known order".into()),
            }
        }
        EventBody::Payment { order_id, decision } => {
            if s.interference.quarantined.contains(order_id) {
                return Some("its order was made unprocessable".into());
            }
            index
                .unfit(*order_id, envelope.causation_id, *decision)
                .map(|u| u.as_str().to_owned())
        }
        EventBody::OrderCompleted { order_id } => {
            let completed = index
                .orders
                .get(order_id)
                .is_some_and(|o| o.status == OrderStatus::Completed);
            (!completed).then(|| "its order is not COMPLETED".into())
        }
        EventBody::EventRejected(_) => Some("it is a rejection".into()),
    }
}

/// A DLQ holds rejections only, and none of an event the saga could have applied.
fn no_applicable_event_in_dlq(s: &SystemSnapshot, index: &Index<'_>, found: &mut Vec<Violation>) {
    for entry in &index.dlq {
        let place = &entry.place;
        let rejection = match &entry.decoded {
            Ok(Envelope {
                body: EventBody::EventRejected(rejection),
                ..
            }) => rejection,
            Ok(envelope) => {
                found.push(Violation::new(
                    Property::NoApplicableEventInDlq,
                    envelope.order_id(),
                    format!(
                        "{place} holds a {} instead of EVENT_REJECTED",
                        envelope.event_type().as_str()
                    ),
                ));
                continue;
            }
            Err(e) => {
                found.push(Violation::new(
                    Property::NoApplicableEventInDlq,
                    None,
                    format!("{place} is not a valid EVENT_REJECTED envelope: {e}"),
                ));
                continue;
            }
        };
        let Ok(original) = decode(&rejection.original.bytes) else {
            continue;
        };
        let expected_here = match original.body {
            EventBody::OrderCreated { .. } | EventBody::OrderCompleted { .. } => {
                entry.topic == Topic::OrdersDlq
            }
            EventBody::Payment { .. } => entry.topic == Topic::PaymentsDlq,
            EventBody::EventRejected(_) => false,
        };
        if expected_here && unfit(s, index, &original).is_none() {
            found.push(Violation::new(
                Property::NoApplicableEventInDlq,
                original.order_id(),
                format!(
                    "{place} dead-lettered a {} {} the saga could have applied ({})",
                    original.event_type().as_str(),
                    original.event_id,
                    rejection.reason
                ),
            ));
        }
    }
}

/// Every rejection names the consumer group that read its record: one of the saga's groups,
/// and one that reads the record's topic (so an operator knows whose failure it is, and a
/// replay goes to that group alone).
fn rejections_name_their_group(index: &Index<'_>, found: &mut Vec<Violation>) {
    for entry in &index.dlq {
        let Ok(Envelope {
            body: EventBody::EventRejected(rejection),
            ..
        }) = &entry.decoded
        else {
            continue;
        };
        let group = &rejection.rejected_by.group;
        let source = rejection.source.topic;
        let reads = CONSUMER_GROUPS
            .iter()
            .any(|(g, topic)| g == group && *topic == source);
        if !reads {
            let original = decode(&rejection.original.bytes).ok();
            found.push(Violation::new(
                Property::RejectionNamesGroup,
                original.and_then(|o| o.order_id()),
                format!(
                    "{} names group {group:?}, which does not read {source}",
                    entry.place
                ),
            ));
        }
    }
}

/// The records of `topic` a group committed past: (record, decoded envelope).
fn consumed<'a>(
    s: &'a SystemSnapshot,
    index: &'a Index<'_>,
    group: &str,
    topic: Topic,
) -> impl Iterator<Item = (&'a TopicRecord, &'a Envelope)> {
    let committed = s.bus.groups.iter().find(|g| g.group == group);
    let envelopes = index.envelopes.iter();
    s.bus
        .records
        .iter()
        .zip(envelopes)
        .filter_map(move |(record, envelope)| {
            let done = committed
                .and_then(|g| g.committed.get(&(record.topic, record.partition)))
                .is_some_and(|next| record.offset < *next);
            let skipped =
                s.interference
                    .may_have_skipped(record.topic, record.partition, record.offset);
            if record.topic != topic || !done || skipped {
                return None;
            }
            envelope.as_ref().map(|e| (record, e))
        })
}

/// Every payment event the applying group committed past that cannot be applied is in the
/// DLQ.
fn unprocessable_dead_lettered(s: &SystemSnapshot, index: &Index<'_>, found: &mut Vec<Violation>) {
    for (record, envelope) in consumed(s, index, APPLYING_GROUP, Topic::Payments) {
        let EventBody::Payment { order_id, decision } = envelope.body else {
            continue;
        };
        let Some(why) = index.unfit(order_id, envelope.causation_id, decision) else {
            continue;
        };
        if !index.dead_lettered(APPLYING_GROUP, record) {
            found.push(Violation::new(
                Property::UnprocessableEventDeadLettered,
                Some(order_id),
                format!(
                    "PAYMENT_{} {} at payments/{}@{} {}, yet {APPLYING_GROUP} committed past it \
                     without dead-lettering it",
                    decision.as_str(),
                    envelope.event_id,
                    record.partition,
                    record.offset,
                    why.as_str()
                ),
            ));
        }
    }
}

/// What applying a valid event means for each group, or why it needs nothing; `None` when
/// the group did its part.
fn missing_effect(
    s: &SystemSnapshot,
    index: &Index<'_>,
    group: &str,
    envelope: &Envelope,
) -> Option<&'static str> {
    match (group, &envelope.body) {
        ("payment-worker", EventBody::OrderCreated { order_id, .. }) => {
            if unfit(s, index, envelope).is_some() {
                return None;
            }
            let id = envelope.event_id;
            if !index.decisions.contains_key(&id) && !s.interference.lost_decisions.may_include(id)
            {
                return Some("no decision is stored for it");
            }
            let answered = index
                .payments
                .get(order_id)
                .is_some_and(|events| events.iter().any(|p| p.causation_id == Some(id)));
            (!answered && !s.interference.answer_may_be_gone(id))
                .then_some("no payment event answers it")
        }
        // What cannot be applied is `unprocessable_dead_lettered`'s business.
        (APPLYING_GROUP, EventBody::Payment { .. }) => (unfit(s, index, envelope).is_none()
            && !index.processed.contains(&envelope.event_id))
        .then_some("it has no processed_events record"),
        ("delivery-worker", EventBody::OrderCompleted { order_id }) => {
            let fit = unfit(s, index, envelope).is_none();
            (fit && !index.deliveries.contains_key(order_id))
                .then_some("no delivery was assigned for it")
        }
        _ => None,
    }
}

/// Every valid event a group committed past was applied by it, or dead-lettered.
fn no_valid_event_dropped(s: &SystemSnapshot, index: &Index<'_>, found: &mut Vec<Violation>) {
    for (group, topic) in CONSUMER_GROUPS {
        for (record, envelope) in consumed(s, index, group, topic) {
            if index.dead_lettered(group, record) {
                continue;
            }
            if let Some(missing) = missing_effect(s, index, group, envelope) {
                found.push(Violation::new(
                    Property::NoValidEventDropped,
                    envelope.order_id(),
                    format!(
                        "{group} committed past {} {} at {topic}/{}@{} but {missing}, and it is \
                         not dead-lettered",
                        envelope.event_type().as_str(),
                        envelope.event_id,
                        record.partition,
                        record.offset
                    ),
                ));
            }
        }
    }
}
