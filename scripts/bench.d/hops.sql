-- Where the latest :orders orders' place -> terminal time went, for scripts/bench (after each
-- half-rate run): from the order's creation to its ORDER_CREATED marked published by the
-- relay (order-api's statement, the relay's wake-up, claim and Kafka publish), and from there
-- to the terminal status (payment worker: fetch, Redis decision, publish; order-status worker:
-- fetch and apply). Run before retention prunes the outbox rows (OUTBOX_RETENTION_SECONDS).
WITH recent AS (SELECT id, created_at, updated_at, created_event_id FROM orders
        WHERE status <> 'PENDING' ORDER BY id DESC LIMIT :orders),
    hops AS (SELECT date_trunc('second', r.created_at) AS second,
            extract(epoch FROM r.updated_at - r.created_at) * 1000 AS total,
            extract(epoch FROM o.published_at - r.created_at) * 1000 AS relay,
            extract(epoch FROM r.updated_at - o.published_at) * 1000 AS workers
        FROM recent r JOIN outbox o ON o.event_id = r.created_event_id
        WHERE o.published_at IS NOT NULL)
SELECT format('placed -> published p50 %s p99 %s ms; published -> terminal p50 %s p99 %s ms (%s orders); slowest second %s',

    round(percentile_cont(0.5) WITHIN GROUP (ORDER BY relay)::numeric, 1),
    round(percentile_cont(0.99) WITHIN GROUP (ORDER BY relay)::numeric, 1),
    round(percentile_cont(0.5) WITHIN GROUP (ORDER BY workers)::numeric, 1),
    round(percentile_cont(0.99) WITHIN GROUP (ORDER BY workers)::numeric, 1),
    count(*),
    (SELECT format('%s (max %s ms)', to_char(second AT TIME ZONE 'UTC', 'HH24:MI:SS'),
            round(max(total)::numeric, 1))
        FROM hops GROUP BY second ORDER BY max(total) DESC LIMIT 1))
FROM hops;
