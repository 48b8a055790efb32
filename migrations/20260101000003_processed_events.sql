-- Payment events the order-status worker has applied; the primary key makes a redelivered
-- event a no-op inside the same transaction as the status change.
CREATE TABLE processed_events (
    event_id     UUID        PRIMARY KEY,
    order_id     BIGINT      NOT NULL REFERENCES orders (id),
    processed_at TIMESTAMPTZ NOT NULL
);
