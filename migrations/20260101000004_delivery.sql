-- The delivery worker's own data, in its own schema: at most one assignment per order.
CREATE SCHEMA IF NOT EXISTS delivery;

CREATE TABLE delivery.assignments (
    id               BIGSERIAL   PRIMARY KEY,
    order_id         BIGINT      NOT NULL UNIQUE,
    payment_event_id UUID        NOT NULL,
    assigned_at      TIMESTAMPTZ NOT NULL
);
