-- W3C trace context (`traceparent`) stored with each outbox row, written in the same
-- transaction as the row, so the relay can continue the request's trace on Kafka; and with
-- each delivery assignment, so the courier's row names the trace of the order it serves.
-- Nullable and additive: rows written without a trace, and binaries that never write one,
-- keep working.
ALTER TABLE outbox ADD COLUMN traceparent TEXT;
ALTER TABLE delivery.assignments ADD COLUMN traceparent TEXT;
