# shellcheck shell=bash
# scripts/bench --cluster-compare: what replication costs. The saga on the shared stack's single
# Kafka broker and on a three-node cluster (RF 3, min.insync.replicas 2, acks=all waiting for
# two copies), round after round in the same run, the same PostgreSQL and Redis: saturation
# orders/s, the half-rate p99, and the relay alone. The cluster is Kafka only, a private
# `scripts/stack up toxiproxy kafka` with SAGA_KAFKA_NODES=3 on ports from
# BENCH_CLUSTER_PORT_BASE (27500); the components reach it on its direct ports, while the
# nodes replicate through their Toxiproxy peer proxies (no toxic on them: one more loopback
# hop each way, which the ratio includes).

CLUSTER_BASE="${BENCH_CLUSTER_PORT_BASE:-27500}"

# The environment of the bench's private cluster (as the chaos runner's private stacks).
cluster_env() {
    env SAGA_KAFKA_NODES=3 SAGA_STACK_HOME="$STACK_HOME-bench-cluster-$CLUSTER_BASE" \
        SAGA_STACK_CACHE="$CACHE_HOME" SAGA_TOXIPROXY_PORT=$((CLUSTER_BASE + 10)) \
        SAGA_PG_PORT=$((CLUSTER_BASE + 2)) SAGA_PG_PROXY_PORT=$((CLUSTER_BASE + 3)) \
        SAGA_REDIS_PORT=$((CLUSTER_BASE + 4)) SAGA_REDIS_PROXY_PORT=$((CLUSTER_BASE + 5)) \
        SAGA_KAFKA_CLUSTER_PORT=$((CLUSTER_BASE + 40)) "$@"
}

# The cluster's direct bootstrap list, as `scripts/stack env` prints it.
cluster_bootstrap() {
    cluster_env "$REPO/scripts/stack" env | sed -n 's/^export DIRECT_KAFKA_BOOTSTRAP_SERVERS=//p'
}

# measure_kafka NAME BOOTSTRAP ROUND: saturation at CLUSTER_CLIENTS clients, the half-rate p99
# and the relay alone on one Kafka; figures in $WORK/NAME-ROUND-*.json.
measure_kafka() {
    local name="$1" round="$3" db="${RUN_ID}_$1_$3" rate half
    export KAFKA_BOOTSTRAP_SERVERS="$2" KAFKA_TOPIC_PREFIX="$RUN_ID-$1-$3-"
    create_db "$db"
    DATABASE_URL="$(db_url "$db")" "$SAGA" migrate 2>/dev/null
    start_saga "$(db_url "$db")"
    "$SAGA_BENCH" --url "http://127.0.0.1:$PORT_BASE" --orders 300 --concurrency 16 \
        --patience 120 >"$WORK/$name-$round-warmup.txt"
    settle_db "$db"
    "$SAGA_BENCH" --url "http://127.0.0.1:$PORT_BASE" --orders "$ORDERS" \
        --concurrency "$CLUSTER_CLIENTS" --patience 120 \
        --json "$WORK/$name-$round-saturation.json" >"$WORK/$name-$round-saturation.txt"
    rate="$("$SAGA_BENCH" figure orders-per-second "$WORK/$name-$round-saturation.json")"
    half="$(awk -v r="$rate" 'BEGIN { printf "%.1f", r / 2 }')"
    settle_db "$db"
    "$SAGA_BENCH" --url "http://127.0.0.1:$PORT_BASE" \
        --orders "$(awk -v r="$half" -v s="$HALF_SECONDS" 'BEGIN { printf "%d", r * s }')" \
        --rate "$half" --concurrency 8 --patience 120 \
        --json "$WORK/$name-$round-half.json" >"$WORK/$name-$round-half.txt"
    stop_saga
    create_db "${db}_relay"
    DATABASE_URL="$(db_url "${db}_relay")" "$SAGA" migrate 2>/dev/null
    KAFKA_TOPIC_PREFIX="$RUN_ID-$1-$3-relay-" start_component outbox-relay "$(db_url "${db}_relay")"
    wait_healthy outbox-relay
    "$SAGA_BENCH" relay --database-url "$(db_url "${db}_relay")" --events "$RELAY_EVENTS" \
        --json "$WORK/$name-$round-relay.json" >&2
    stop_saga
    "$SAGA_BENCH" cleanup --kafka "$2" --prefix "$RUN_ID-$1-$3-" 2>/dev/null || true
    bench_log "$name, round $round: $rate orders/s at $CLUSTER_CLIENTS clients;" \
        "half rate p99 $("$SAGA_BENCH" figure p99-ms "$WORK/$name-$round-half.json") ms;" \
        "relay alone $("$SAGA_BENCH" figure events-per-second "$WORK/$name-$round-relay.json") events/s"
}

# The median of the figure FIGURE over the rounds' files $WORK/NAME-*-KIND.json.
median_figure() {
    local figure="$1" name="$2" kind="$3" file
    for file in "$WORK/$name"-*-"$kind".json; do "$SAGA_BENCH" figure "$figure" "$file"; done |
        sort -g | awk '{ v[NR] = $1 } END {
            printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# cluster_compare: both Kafkas, CLUSTER_ROUNDS rounds each, alternating; then the table.
cluster_compare() {
    local round single cluster load_before
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    bench_log "starting the three-node cluster (ports from $CLUSTER_BASE)"
    cluster_env "$REPO/scripts/stack" up toxiproxy kafka >/dev/null
    CLUSTER_STARTED=true
    single="127.0.0.1:$KAFKA_PORT"
    cluster="$(cluster_bootstrap)"
    for round in $(seq 1 "$CLUSTER_ROUNDS"); do
        measure_kafka single "$single" "$round"
        measure_kafka cluster "$cluster" "$round"
    done
    echo "replication's cost: one broker against three nodes (RF 3, min.insync.replicas 2)," \
        "$CLUSTER_ROUNDS rounds, medians"
    printf '  %-34s %12s %12s %9s\n' figure "one broker" "cluster" ratio
    local figure kind label a b
    for row in "orders-per-second saturation saturation orders/s ($CLUSTER_CLIENTS clients)" \
        "p99-ms half half-rate place->terminal p99 ms" \
        "events-per-second relay relay alone, events/s"; do
        read -r figure kind label <<<"$row"
        a="$(median_figure "$figure" single "$kind")"
        b="$(median_figure "$figure" cluster "$kind")"
        printf '  %-34s %12s %12s %8s\n' "$label" "$a" "$b" \
            "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')"
    done
    echo "  load average before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
}

# Stops the cluster if this run started it (called from cleanup).
cluster_stop() {
    if ${CLUSTER_STARTED:-false}; then
        cluster_env "$REPO/scripts/stack" down >/dev/null 2>&1 || true
    fi
}
