//! The dead-letter index: every rejection on the DLQ topics, copied once into `dlq_index` by
//! whichever reader gets there first (from the offsets in `dlq_index_positions`), listed with
//! the dead-letter table's rejections and the operators' actions by keyset pages.

use std::collections::BTreeMap;

use saga_core::event::{RejectionCode, decode};
use saga_core::ports::{DeadLetterAction, PortError};
use saga_core::{Envelope, EventBody, EventId, Topic, TraceParent};
use sqlx::{Connection, PgConnection, Postgres, QueryBuilder};
use time::OffsetDateTime;
use uuid::Uuid;

use super::PgReads;
use crate::dead_letter_ledger::action_of;
use crate::error::corrupt;
use crate::guard::within;

/// One record read from a DLQ topic, to index.
#[derive(Debug, Clone)]
pub struct LetterRecord {
    pub topic: Topic,
    pub partition: u32,
    pub offset: u64,
    pub payload: Vec<u8>,
    /// The record's `traceparent` header: the trace a replay of it continues.
    pub trace: Option<TraceParent>,
}

/// A dead letter as the index lists it.
#[derive(Debug, Clone)]
pub struct IndexedLetter {
    /// The `EVENT_REJECTED` envelope.
    pub envelope: Envelope,
    /// Its DLQ topic, partition and offset; `None` when only the dead-letter table keeps it.
    pub on_topic: Option<(Topic, u32, u64)>,
    pub action: Option<DeadLetterAction>,
}

/// Which letters, after which one, how many.
#[derive(Debug, Clone, Default)]
pub struct LetterQuery {
    pub reason: Option<RejectionCode>,
    /// The source topic (`orders`, `payments`).
    pub topic: Option<Topic>,
    pub closed_too: bool,
    /// The page starts after this letter (its rejection time and id).
    pub after: Option<(OffsetDateTime, EventId)>,
    pub limit: u32,
}

/// Letters of one reason, source topic and rejecting group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterGroup {
    pub reason: RejectionCode,
    pub topic: Topic,
    pub group: String,
    pub first: OffsetDateTime,
    pub last: OffsetDateTime,
    pub open: u64,
    pub replayed: u64,
    /// Kept only in the dead-letter table.
    pub in_table: u64,
    pub total: u64,
}

/// Every letter, on a topic (indexed) or only in the dead-letter table.
const LETTERS: &str = "\
    WITH letters AS ( \
        SELECT id, topic, partition, \"offset\", reason_code, source_topic, consumer_group, \
               rejected_at AS at, envelope, traceparent FROM dlq_index \
        UNION ALL \
        SELECT d.id, NULL, NULL, NULL, d.reason_code, d.source_topic, d.consumer_group, \
               d.created_at, d.envelope, d.traceparent FROM dead_letters d \
        WHERE NOT EXISTS (SELECT 1 FROM dlq_index i WHERE i.id = d.id)) ";

type LetterRow = (
    Option<String>,
    Option<i32>,
    Option<i64>,
    Vec<u8>,
    Option<String>,
    Option<Uuid>,
    Option<String>,
    Option<i32>,
    Option<String>,
    Option<String>,
    Option<OffsetDateTime>,
);

impl LetterQuery {
    fn filter<'a>(&'a self, sql: &mut QueryBuilder<'a, Postgres>) {
        sql.push(" WHERE TRUE");
        if let Some(reason) = self.reason {
            sql.push(" AND l.reason_code = ").push_bind(reason.as_str());
        }
        if let Some(topic) = self.topic {
            sql.push(" AND l.source_topic = ").push_bind(topic.as_str());
        }
        if !self.closed_too {
            sql.push(" AND a.dead_letter IS NULL");
        }
    }
}

impl PgReads {
    /// Where indexing stopped: the next offset of each DLQ partition indexed so far.
    ///
    /// # Errors
    /// [`PortError`] when PostgreSQL is unreachable or slower than the deadline.
    pub async fn index_positions(&self) -> Result<BTreeMap<(Topic, u32), u64>, PortError> {
        let rows: Vec<(String, i32, i64)> = within!(&self.db, |conn| sqlx::query_as(
            "SELECT topic, partition, next_offset FROM dlq_index_positions"
        )
        .fetch_all(conn))?;
        Ok(rows
            .into_iter()
            .filter_map(|(topic, partition, next)| {
                let topic = Topic::parse(&topic)?;
                Some((
                    (topic, u32::try_from(partition).ok()?),
                    u64::try_from(next).ok()?,
                ))
            })
            .collect())
    }

    /// Indexes `records` and moves each partition's position to `next`. Concurrent indexers
    /// take turns (a table lock), and records below a partition's stored position are skipped,
    /// so every record is indexed and counted once.
    ///
    /// # Errors
    /// [`PortError`] when PostgreSQL is unreachable or slower than the deadline.
    pub async fn index_letters(
        &self,
        records: &[LetterRecord],
        next: &BTreeMap<(Topic, u32), u64>,
    ) -> Result<(), PortError> {
        within!(&self.db, |conn| index(conn, records, next))
    }

    /// DLQ records indexed so far that were not rejections.
    ///
    /// # Errors
    /// [`PortError`] when PostgreSQL is unreachable or slower than the deadline.
    pub async fn unreadable_letters(&self) -> Result<u64, PortError> {
        let n: Option<i64> = within!(&self.db, |conn| sqlx::query_scalar(
            "SELECT sum(unreadable)::bigint FROM dlq_index_positions"
        )
        .fetch_one(conn))?;
        Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
    }

    /// One page of letters, oldest first.
    ///
    /// # Errors
    /// [`PortError`] when PostgreSQL is unreachable, slower than the deadline, or holds a
    /// letter or action that does not decode.
    pub async fn letters(&self, query: &LetterQuery) -> Result<Vec<IndexedLetter>, PortError> {
        let mut sql = QueryBuilder::new(LETTERS);
        sql.push(
            "SELECT l.topic, l.partition, l.\"offset\", l.envelope, l.traceparent, a.dead_letter, \
             a.action, a.replay_count, a.actor, a.why, a.at FROM letters l \
             LEFT JOIN dead_letter_actions a ON a.dead_letter = l.id",
        );
        query.filter(&mut sql);
        if let Some((at, id)) = query.after {
            sql.push(" AND (l.at, l.id) > (")
                .push_bind(at)
                .push(", ")
                .push_bind(id.as_uuid())
                .push(")");
        }
        sql.push(" ORDER BY l.at, l.id LIMIT ")
            .push_bind(i64::from(query.limit));
        let rows: Vec<LetterRow> = within!(&self.db, |conn| sql.build_query_as().fetch_all(conn))?;
        rows.into_iter().map(letter_of).collect()
    }

    /// One letter by its id.
    ///
    /// # Errors
    /// As [`Self::letters`].
    pub async fn letter(&self, id: EventId) -> Result<Option<IndexedLetter>, PortError> {
        let mut sql = QueryBuilder::new(LETTERS);
        sql.push(
            "SELECT l.topic, l.partition, l.\"offset\", l.envelope, l.traceparent, a.dead_letter, \
             a.action, a.replay_count, a.actor, a.why, a.at FROM letters l \
             LEFT JOIN dead_letter_actions a ON a.dead_letter = l.id WHERE l.id = ",
        )
        .push_bind(id.as_uuid())
        .push(" LIMIT 1");
        let row: Option<LetterRow> =
            within!(&self.db, |conn| sql.build_query_as().fetch_optional(conn))?;
        row.map(letter_of).transpose()
    }

    /// The letters `query` admits (its `after` and `limit` ignored), counted by reason, source
    /// topic and rejecting group.
    ///
    /// # Errors
    /// As [`Self::letters`].
    pub async fn letter_groups(&self, query: &LetterQuery) -> Result<Vec<LetterGroup>, PortError> {
        let mut sql = QueryBuilder::new(LETTERS);
        sql.push(
            "SELECT l.reason_code, l.source_topic, l.consumer_group, min(l.at), max(l.at), \
             count(*) FILTER (WHERE a.dead_letter IS NULL), \
             count(*) FILTER (WHERE a.action = 'replayed'), count(*) FILTER (WHERE l.topic IS NULL), \
             count(*) FROM letters l \
             LEFT JOIN dead_letter_actions a ON a.dead_letter = l.id",
        );
        query.filter(&mut sql);
        sql.push(" GROUP BY 1, 2, 3 ORDER BY 1, 2, 3");
        type Row = (
            String,
            String,
            String,
            OffsetDateTime,
            OffsetDateTime,
            i64,
            i64,
            i64,
            i64,
        );
        let rows: Vec<Row> = within!(&self.db, |conn| sql.build_query_as().fetch_all(conn))?;
        rows.into_iter()
            .map(
                |(reason, topic, group, first, last, open, replayed, in_table, total)| {
                    let n = |v: i64| u64::try_from(v).unwrap_or(0);
                    Ok(LetterGroup {
                        reason: RejectionCode::parse(&reason)
                            .ok_or_else(|| corrupt("rejection reason", &reason))?,
                        topic: Topic::parse(&topic).ok_or_else(|| corrupt("topic", &topic))?,
                        group,
                        first,
                        last,
                        open: n(open),
                        replayed: n(replayed),
                        in_table: n(in_table),
                        total: n(total),
                    })
                },
            )
            .collect()
    }
}

fn letter_of(row: LetterRow) -> Result<IndexedLetter, PortError> {
    let (topic, partition, offset, envelope, traceparent, id, action, count, actor, why, at) = row;
    let on_topic = match (topic, partition, offset) {
        (Some(topic), Some(partition), Some(offset)) => Some((
            Topic::parse(&topic).ok_or_else(|| corrupt("topic", &topic))?,
            u32::try_from(partition).map_err(|e| corrupt("partition", e))?,
            u64::try_from(offset).map_err(|e| corrupt("offset", e))?,
        )),
        _ => None,
    };
    let action = match (id, action, count, actor, why, at) {
        (Some(id), Some(action), Some(count), Some(actor), Some(why), Some(at)) => {
            Some(action_of((id, action, count, actor, why, at))?)
        }
        _ => None,
    };
    Ok(IndexedLetter {
        envelope: decode(&envelope)
            .map_err(|e| corrupt("dead letter", e))?
            .with_trace(crate::rows::trace(traceparent.as_deref())),
        on_topic,
        action,
    })
}

async fn index(
    conn: &mut PgConnection,
    records: &[LetterRecord],
    next: &BTreeMap<(Topic, u32), u64>,
) -> Result<(), sqlx::Error> {
    let mut tx = conn.begin().await?;
    sqlx::query("LOCK TABLE dlq_index_positions IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let stored: Vec<(String, i32, i64)> =
        sqlx::query_as("SELECT topic, partition, next_offset FROM dlq_index_positions")
            .fetch_all(&mut *tx)
            .await?;
    let stored: BTreeMap<(String, i32), i64> =
        stored.into_iter().map(|(t, p, n)| ((t, p), n)).collect();
    let from = |topic: Topic, partition: u32| {
        let key = (
            topic.as_str().to_owned(),
            i32::try_from(partition).unwrap_or(0),
        );
        stored.get(&key).copied().unwrap_or(0)
    };
    let mut unreadable: BTreeMap<(Topic, u32), i64> = BTreeMap::new();
    let mut rows = Rows::default();
    for record in records {
        let offset = i64::try_from(record.offset).unwrap_or(i64::MAX);
        if offset < from(record.topic, record.partition) {
            continue;
        }
        match decode(&record.payload).ok() {
            Some(envelope) if rows.add(record, &envelope) => {}
            _ => {
                *unreadable
                    .entry((record.topic, record.partition))
                    .or_default() += 1
            }
        }
    }
    rows.insert(&mut tx).await?;
    for (&(topic, partition), &to) in next {
        sqlx::query(
            "INSERT INTO dlq_index_positions (topic, partition, next_offset, unreadable) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (topic, partition) DO UPDATE SET \
             next_offset = GREATEST(dlq_index_positions.next_offset, EXCLUDED.next_offset), \
             unreadable = dlq_index_positions.unreadable + EXCLUDED.unreadable",
        )
        .bind(topic.as_str())
        .bind(i32::try_from(partition).unwrap_or(i32::MAX))
        .bind(i64::try_from(to).unwrap_or(i64::MAX))
        .bind(unreadable.get(&(topic, partition)).copied().unwrap_or(0))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Indexed letters as columns, inserted in one statement.
#[derive(Default)]
struct Rows {
    ids: Vec<Uuid>,
    topics: Vec<&'static str>,
    partitions: Vec<i32>,
    offsets: Vec<i64>,
    reasons: Vec<&'static str>,
    sources: Vec<&'static str>,
    groups: Vec<String>,
    at: Vec<OffsetDateTime>,
    envelopes: Vec<Vec<u8>>,
    traces: Vec<Option<String>>,
}

impl Rows {
    /// Adds `envelope`, read at `record`, when it is a rejection.
    fn add(&mut self, record: &LetterRecord, envelope: &Envelope) -> bool {
        let EventBody::EventRejected(r) = &envelope.body else {
            return false;
        };
        self.ids.push(envelope.event_id.as_uuid());
        self.topics.push(record.topic.as_str());
        self.partitions
            .push(i32::try_from(record.partition).unwrap_or(i32::MAX));
        self.offsets
            .push(i64::try_from(record.offset).unwrap_or(i64::MAX));
        self.reasons.push(r.code.as_str());
        self.sources.push(r.source.topic.as_str());
        self.groups.push(r.rejected_by.group.clone());
        self.at.push(envelope.occurred_at);
        self.envelopes.push(record.payload.clone());
        self.traces.push(record.trace.map(|t| t.to_string()));
        true
    }

    async fn insert(self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        if self.ids.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO dlq_index (id, topic, partition, \"offset\", reason_code, source_topic, \
             consumer_group, rejected_at, envelope, traceparent) \
             SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::int[], $4::bigint[], $5::text[], \
                                  $6::text[], $7::text[], $8::timestamptz[], $9::bytea[], \
                                  $10::text[]) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&self.ids)
        .bind(&self.topics)
        .bind(&self.partitions)
        .bind(&self.offsets)
        .bind(&self.reasons)
        .bind(&self.sources)
        .bind(&self.groups)
        .bind(&self.at)
        .bind(&self.envelopes)
        .bind(&self.traces)
        .execute(tx)
        .await?;
        Ok(())
    }
}
