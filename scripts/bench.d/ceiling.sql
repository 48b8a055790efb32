-- The PostgreSQL ceiling for scripts/bench: one pgbench transaction script = the saga's
-- PostgreSQL work for one order, with the statements the services send (the same CTEs, so
-- the same round trips and transactions). Its rate (tps) is orders/s at the PostgreSQL limit
-- on this machine. Kept in step with services/adapters/postgres by hand: when a statement
-- there changes, change it here.
\set n random(1, 1000000000)
-- order-api (order_store.rs CREATE): order, outbox row and the relay's wake-up, one statement.
WITH ids AS (SELECT gen_random_uuid() AS event_id),
    new_order AS (INSERT INTO orders
        (item, status, correlation_id, idempotency_key, owner, created_at, updated_at,
            created_event_id)
        SELECT 'bench meal ' || :n, 'PENDING', gen_random_uuid()::text, NULL, 'bench', now(),
            now(), event_id FROM ids
        ON CONFLICT (owner, idempotency_key) WHERE idempotency_key IS NOT NULL
        DO NOTHING RETURNING id, created_event_id),
    event AS (INSERT INTO outbox (event_id, topic, key, payload, correlation_id, created_at)
        SELECT created_event_id, 'orders', id::text,
            convert_to(repeat('x', 300), 'UTF8') || convert_to(id::text, 'UTF8'),
            gen_random_uuid()::text, now()
        FROM new_order RETURNING key, event_id)
    SELECT new_order.id AS order_id, event.event_id AS created_event_id,
        pg_notify('outbox', event.key)::text AS notified
    FROM new_order, event \gset
-- order-status-worker (payment.rs APPLY): lock, check the causation, record the event,
-- conditional update, and the ORDER_COMPLETED outbox row with the relay's wake-up.
WITH target AS (SELECT id, status, created_event_id FROM orders WHERE id = :order_id FOR UPDATE),
    fits AS (SELECT id FROM target WHERE (created_event_id IS NULL
        OR created_event_id = :created_event_id::uuid) AND status IN ('PENDING', 'COMPLETED')),
    recorded AS (INSERT INTO processed_events (event_id, order_id, processed_at)
        SELECT gen_random_uuid(), id, now() FROM fits
        ON CONFLICT (event_id) DO NOTHING RETURNING order_id),
    changed AS (UPDATE orders SET status = 'COMPLETED', updated_at = now() FROM recorded
        WHERE orders.id = recorded.order_id AND orders.status = 'PENDING' RETURNING orders.id),
    completed AS (INSERT INTO outbox (event_id, topic, key, payload, correlation_id, created_at)
        SELECT gen_random_uuid(), 'orders', id::text, convert_to(repeat('y', 250), 'UTF8'),
            gen_random_uuid()::text, now() FROM changed RETURNING key)
    SELECT (SELECT status FROM target), (SELECT created_event_id FROM target),
        EXISTS (SELECT 1 FROM recorded), EXISTS (SELECT 1 FROM changed),
        (SELECT pg_notify('outbox', key)::text FROM completed);
-- outbox-relay (outbox.rs): claim the oldest unpublished rows (held until marked), mark them.
-- An order now has two events (ORDER_CREATED, ORDER_COMPLETED: every order here completes);
-- the relay claims up to a batch per transaction, one claim of two rows per order here is
-- the dearer form (as one claim of one row was before ORDER_COMPLETED).
BEGIN;
SELECT coalesce((SELECT array_agg(id) FROM (SELECT id FROM outbox WHERE published_at IS NULL
                 ORDER BY id LIMIT 2 FOR UPDATE SKIP LOCKED) c), '{}') AS claimed \gset
UPDATE outbox SET published_at = now() WHERE id = ANY(:claimed::bigint[]);
COMMIT;
-- delivery-worker (delivery_store.rs), on ORDER_COMPLETED: one assignment per order.
INSERT INTO delivery.assignments (order_id, payment_event_id, assigned_at)
    VALUES (:order_id, gen_random_uuid(), now()) ON CONFLICT (order_id) DO NOTHING;
