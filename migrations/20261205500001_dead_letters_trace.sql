-- A kept rejection's trace context (the `traceparent` its DLQ record would have carried), so a
-- replay of a letter the DLQ topic could not take is published in its order's trace. Additive
-- and nullable: rows kept before it, and binaries that do not know it, keep working.
ALTER TABLE dead_letters ADD COLUMN traceparent TEXT;
