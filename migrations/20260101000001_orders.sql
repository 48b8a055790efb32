-- Orders: one row per accepted order; status moves PENDING -> COMPLETED | CANCELLED once.
CREATE TABLE orders (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item            TEXT        NOT NULL CHECK (char_length(item) BETWEEN 1 AND 200),
    status          TEXT        NOT NULL DEFAULT 'PENDING'
                    CHECK (status IN ('PENDING', 'COMPLETED', 'CANCELLED')),
    correlation_id  TEXT        NOT NULL,
    -- NULLs never collide, so only requests that carried a key are deduplicated.
    idempotency_key TEXT        UNIQUE,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
