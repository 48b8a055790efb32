-- Operators' actions on dead letters (`saga dlq replay` / `discard`, the explorer's buttons):
-- one per dead letter (the EVENT_REJECTED event id, whether the letter is on a DLQ topic or in
-- dead_letters), with who, when and why. A replayed original rejected again is a new dead
-- letter, whose own replay is a new row.
CREATE TABLE dead_letter_actions (
    position     BIGSERIAL   PRIMARY KEY,
    dead_letter  UUID        NOT NULL UNIQUE,
    action       TEXT        NOT NULL CHECK (action IN ('replayed', 'discarded')),
    replay_count INTEGER     NOT NULL,
    actor        TEXT        NOT NULL,
    why          TEXT        NOT NULL,
    at           TIMESTAMPTZ NOT NULL
);
