-- The PostgreSQL ceiling for scripts/bench: one pgbench transaction script = the saga's
-- PostgreSQL work for one order, with the same statements and transaction boundaries the
-- services use, so its rate (tps) is orders/s at the PostgreSQL limit on this machine.
\set n random(1, 1000000000)
-- order-api: order row, outbox row and the relay's wake-up in one transaction.
BEGIN;
INSERT INTO orders (item, status, correlation_id, idempotency_key, created_at, updated_at)
    VALUES ('bench meal ' || :n, 'PENDING', gen_random_uuid()::text, NULL, now(), now())
    RETURNING id AS order_id \gset
INSERT INTO outbox (event_id, topic, key, payload, correlation_id, created_at)
    VALUES (gen_random_uuid(), 'orders', :order_id::text,
            convert_to(repeat('x', 300), 'UTF8'), gen_random_uuid()::text, now());
SELECT pg_notify('outbox', :order_id::text);
COMMIT;
-- outbox-relay: claim the oldest unpublished row (held until marked), then mark it.
BEGIN;
SELECT coalesce((SELECT id FROM outbox WHERE published_at IS NULL
                 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED), 0) AS claimed \gset
UPDATE outbox SET published_at = now() WHERE id = :claimed;
COMMIT;
-- order-status-worker: lock the order, record the event, apply the outcome.
BEGIN;
SELECT status FROM orders WHERE id = :order_id FOR UPDATE;
INSERT INTO processed_events (event_id, order_id, processed_at)
    VALUES (gen_random_uuid(), :order_id, now()) ON CONFLICT (event_id) DO NOTHING;
UPDATE orders SET status = 'COMPLETED', updated_at = now() WHERE id = :order_id;
COMMIT;
-- delivery-worker: one assignment per order.
INSERT INTO delivery.assignments (order_id, payment_event_id, assigned_at)
    VALUES (:order_id, gen_random_uuid(), now()) ON CONFLICT (order_id) DO NOTHING;
