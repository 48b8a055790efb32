-- One role per component, each granted only what that component's queries need, so that a
-- bug (or an attacker) in one component cannot touch what it has no business with: the
-- delivery worker cannot change an order, the Order API cannot delete from the outbox.
--
-- The roles are made NOLOGIN: a deployment lets each log in with a password of its own (the
-- native stack's `scripts/stack.d/roles.sh`, compose's `roles` job), or makes a login of its
-- own a member. The schema belongs to whoever runs `saga migrate`; a later migration that
-- adds a table grants on it too.
--
-- Roles are cluster-wide while migrations run once per database (a database per test), and
-- two databases may migrate at once: a role that exists is left alone, and a creation that
-- loses a race to another database's migration is not an error. A migrating role without
-- CREATEROLE works when the roles were made beforehand.
DO $$
DECLARE
    name TEXT;
BEGIN
    FOREACH name IN ARRAY ARRAY['saga_order_api', 'saga_outbox_relay', 'saga_payment_worker',
        'saga_order_status_worker', 'saga_delivery_worker', 'saga_explorer', 'saga_auditor']
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END
$$;

-- Every component checks at start-up that the schema has its migrations.
GRANT SELECT ON _sqlx_migrations TO saga_order_api, saga_outbox_relay, saga_payment_worker,
    saga_order_status_worker, saga_delivery_worker, saga_explorer, saga_auditor;

-- Dead letters: every consumer writes the rejections its DLQ refused.
GRANT SELECT, INSERT ON dead_letters
    TO saga_payment_worker, saga_order_status_worker, saga_delivery_worker;
GRANT USAGE ON SEQUENCE dead_letters_position_seq
    TO saga_payment_worker, saga_order_status_worker, saga_delivery_worker;

-- Order API: places an order and its ORDER_CREATED row in one statement, reads orders.
GRANT SELECT, INSERT ON orders TO saga_order_api;
GRANT INSERT, SELECT (key) ON outbox TO saga_order_api;
GRANT USAGE ON SEQUENCE orders_id_seq, outbox_id_seq TO saga_order_api;

-- Outbox relay: claims and marks outbox rows; its reconciler re-drives stuck orders (their
-- rows locked FOR UPDATE, which needs an UPDATE grant) and its retention prunes published
-- rows, processed events and idempotency keys.
GRANT SELECT, UPDATE, DELETE ON outbox TO saga_outbox_relay;
GRANT SELECT, UPDATE (idempotency_key) ON orders TO saga_outbox_relay;
GRANT SELECT, DELETE ON processed_events TO saga_outbox_relay;

-- Order-status worker: applies a payment (processed event, status change, its history) and
-- writes ORDER_COMPLETED to the outbox, in one transaction.
GRANT SELECT, UPDATE (status, updated_at) ON orders TO saga_order_status_worker;
GRANT SELECT, INSERT ON processed_events, order_status_history TO saga_order_status_worker;
GRANT INSERT, SELECT (key) ON outbox TO saga_order_status_worker;
GRANT USAGE ON SEQUENCE outbox_id_seq, order_status_history_id_seq
    TO saga_order_status_worker;

-- Delivery worker: its own schema only.
GRANT USAGE ON SCHEMA delivery TO saga_delivery_worker, saga_explorer, saga_auditor;
GRANT SELECT, INSERT ON delivery.assignments TO saga_delivery_worker;
GRANT USAGE ON SEQUENCE delivery.assignments_id_seq TO saga_delivery_worker;

-- Explorer (and `saga dlq`): reads everything, records who replayed or discarded a letter.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO saga_explorer;
GRANT SELECT ON delivery.assignments TO saga_explorer;
GRANT INSERT ON dead_letter_actions TO saga_explorer;
GRANT USAGE ON SEQUENCE dead_letter_actions_position_seq TO saga_explorer;

-- Auditor: reads, writes nothing.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO saga_auditor;
GRANT SELECT ON delivery.assignments TO saga_auditor;
