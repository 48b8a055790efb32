-- Reliability (see README "Reliability"): what the order-status worker, the stuck-order
-- reconciler, retention and the consumers' dead-letter fallback need.

-- Each order's ORDER_CREATED event id: a payment whose causation_id differs is not applied,
-- and the reconciler re-drives exactly this event. Before this migration the only rows on the
-- `orders` topic were ORDER_CREATED, so the outbox fills it in for existing orders.
ALTER TABLE orders ADD COLUMN created_event_id UUID;
UPDATE orders SET created_event_id = outbox.event_id
    FROM outbox WHERE outbox.topic = 'orders' AND outbox.key = orders.id::text;

-- Stuck orders, oldest first; tiny, since an order leaves it when it becomes terminal.
CREATE INDEX orders_pending_idx ON orders (created_at) WHERE status = 'PENDING';
-- Idempotency keys due for retention.
CREATE INDEX orders_keyed_idx ON orders (created_at) WHERE idempotency_key IS NOT NULL;

-- When the reconciler last marked an ORDER_CREATED for publishing again (at most once per
-- stuck-after interval).
ALTER TABLE outbox ADD COLUMN redriven_at TIMESTAMPTZ;

-- processed_events is appended in time order: a BRIN index finds the old ones for retention
-- at next to no cost per insert.
CREATE INDEX processed_events_at_idx ON processed_events USING brin (processed_at);

-- Rejections a DLQ topic would not take (EVENT_REJECTED envelopes with the original whole),
-- kept so the consumer can commit past the record without losing it. One per rejecting group
-- and source record; replay_count is for the DLQ tooling.
CREATE TABLE dead_letters (
    position         BIGSERIAL   PRIMARY KEY,
    id               UUID        NOT NULL UNIQUE,
    consumer_group   TEXT        NOT NULL,
    component        TEXT        NOT NULL,
    source_topic     TEXT        NOT NULL,
    source_partition INTEGER     NOT NULL,
    source_offset    BIGINT      NOT NULL,
    source_key       TEXT,
    reason_code      TEXT        NOT NULL,
    reason           TEXT        NOT NULL,
    attempts         INTEGER     NOT NULL,
    original_size    BIGINT      NOT NULL,
    original_sha256  TEXT        NOT NULL,
    envelope         BYTEA       NOT NULL,
    dlq_error        TEXT        NOT NULL,
    replay_count     INTEGER     NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (consumer_group, source_topic, source_partition, source_offset)
);
