-- The API key (by name) that placed each order: with authentication on, an order is visible
-- only to its owner, and idempotency keys are scoped to the owner, so two clients that pick
-- the same key get two orders instead of each other's. NULL: placed with authentication off.
ALTER TABLE orders
    ADD COLUMN owner TEXT CHECK (owner IS NULL OR char_length(owner) BETWEEN 1 AND 64);

-- One order per (owner, key). NULLS NOT DISTINCT keeps the open mode's (NULL, key) unique too;
-- the predicate leaves orders without a key out entirely.
ALTER TABLE orders DROP CONSTRAINT orders_idempotency_key_key;
CREATE UNIQUE INDEX orders_owner_idempotency_key ON orders (owner, idempotency_key)
    NULLS NOT DISTINCT WHERE idempotency_key IS NOT NULL;
