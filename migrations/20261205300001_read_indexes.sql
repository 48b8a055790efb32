-- What the explorer, `saga dlq` and the auditor read by page instead of in full: indexes for
-- keyset pages of orders (by status, by owner) and for one order's rows, and an index of the
-- DLQ topics' rejections, filled incrementally from the offset the last reader stopped at, so
-- listing dead letters never reads a topic from its beginning again. Additive only: a binary
-- of the previous schema runs against it unchanged (migrations/README.md).

CREATE INDEX orders_status_idx ON orders (status, id);
CREATE INDEX orders_owner_idx ON orders (owner, id) WHERE owner IS NOT NULL;
CREATE INDEX outbox_key_idx ON outbox (key);
CREATE INDEX processed_events_order_idx ON processed_events (order_id);

CREATE TABLE dlq_index (
    id             UUID        PRIMARY KEY,
    topic          TEXT        NOT NULL,
    partition      INTEGER     NOT NULL,
    "offset"       BIGINT      NOT NULL,
    reason_code    TEXT        NOT NULL,
    source_topic   TEXT        NOT NULL,
    consumer_group TEXT        NOT NULL,
    rejected_at    TIMESTAMPTZ NOT NULL,
    envelope       BYTEA       NOT NULL
);
CREATE INDEX dlq_index_at_idx ON dlq_index (rejected_at, id);

-- Per DLQ partition: the next offset to index, and how many records so far were not
-- rejections (they cannot be listed, only counted).
CREATE TABLE dlq_index_positions (
    topic       TEXT    NOT NULL,
    partition   INTEGER NOT NULL,
    next_offset BIGINT  NOT NULL,
    unreadable  BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (topic, partition)
);

-- The explorer keeps the index (migrations/README.md, Roles); the auditor may read it.
GRANT SELECT, INSERT, UPDATE ON dlq_index, dlq_index_positions TO saga_explorer;
GRANT SELECT ON dlq_index, dlq_index_positions TO saga_auditor;
