-- A rejection's trace context (its DLQ record's `traceparent` header) kept in the dead-letter
-- index, so a replay read through the index (`saga dlq`, the explorer) is published in its
-- order's trace. Additive and nullable: rows indexed before it, and binaries that do not know
-- it, keep working (their replays start without a trace, as before).
ALTER TABLE dlq_index ADD COLUMN traceparent TEXT;
