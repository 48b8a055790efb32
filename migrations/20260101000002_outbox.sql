-- The transactional outbox: encoded envelopes committed with their order, published by the
-- relay and then stamped with published_at.
CREATE TABLE outbox (
    id             BIGSERIAL   PRIMARY KEY,
    event_id       UUID        NOT NULL UNIQUE,
    topic          TEXT        NOT NULL,
    key            TEXT        NOT NULL,
    -- The envelope's exact bytes: bytea, not jsonb, so they round-trip unchanged.
    payload        BYTEA       NOT NULL,
    correlation_id TEXT        NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    published_at   TIMESTAMPTZ
);

-- "Oldest unpublished first" stays an index scan however large the published history grows.
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
