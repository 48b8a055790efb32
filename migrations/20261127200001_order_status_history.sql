-- Every status transition of an order, written by the order-status worker in the same
-- transaction as the change itself, naming the payment event that caused it. The current
-- status alone cannot show a PENDING -> CANCELLED -> COMPLETED flip-flop that ends on the right
-- value; this history can, so the invariant checker judges the same properties on the real
-- stack as in the simulation.
CREATE TABLE order_status_history (
    id          BIGSERIAL   PRIMARY KEY,
    order_id    BIGINT      NOT NULL REFERENCES orders (id),
    -- No CHECK on the transition: the history records whatever committed, legal or not.
    from_status TEXT        NOT NULL,
    to_status   TEXT        NOT NULL,
    event_id    UUID        NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX order_status_history_order_idx ON order_status_history (order_id, id);
