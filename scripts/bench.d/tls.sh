# shellcheck shell=bash
# scripts/bench --tls-compare: what TLS costs. The saga on the shared stack's plaintext
# PostgreSQL, Redis and Kafka, and on a private stack of the same three that accept only TLS
# (`SAGA_TLS=1 scripts/stack up`: a local CA, PostgreSQL `sslmode=verify-full`, Redis `rediss://`
# with an ACL user, Kafka SASL_SSL with SCRAM-SHA-512), round after round in the same run:
# closed-loop saturation at TLS_CLIENTS clients, the medians and their ratio, and the CPU time per
# order of the components and of the three backends. The private stack listens on ports from
# BENCH_TLS_PORT_BASE (27600); the components reach both stacks on their direct ports (no
# Toxiproxy in the path), as the other figures do. Both stacks run the same builds with the same
# settings, so the ratio is TLS's (handshakes at connect, encryption of every byte after) and
# SCRAM's (once per connection).

TLS_BASE="${BENCH_TLS_PORT_BASE:-27600}"

# The environment of the bench's private TLS-only stack.
tls_stack_env() {
    env SAGA_TLS=1 SAGA_STACK_HOME="$STACK_HOME-bench-tls-$TLS_BASE" \
        SAGA_STACK_CACHE="$CACHE_HOME" SAGA_TOXIPROXY_PORT=$((TLS_BASE + 0)) \
        SAGA_PG_PORT=$((TLS_BASE + 2)) SAGA_PG_PROXY_PORT=$((TLS_BASE + 3)) \
        SAGA_REDIS_PORT=$((TLS_BASE + 4)) SAGA_REDIS_PROXY_PORT=$((TLS_BASE + 5)) \
        SAGA_KAFKA_PORT=$((TLS_BASE + 6)) SAGA_KAFKA_PROXIED_PORT=$((TLS_BASE + 7)) \
        SAGA_KAFKA_PROXY_PORT=$((TLS_BASE + 8)) SAGA_KAFKA_CONTROLLER_PORT=$((TLS_BASE + 9)) "$@"
}

# The value of `export NAME=...` in the TLS stack's environment ($WORK/tls.env).
tls_value() { sed -n "s/^export $1=//p" "$WORK/tls.env" | tr -d "'"; }

# The TLS stack's database URL for database $1 (the superuser, verified against the CA).
tls_db_url() { tls_value DIRECT_DATABASE_URL | sed "s#/$PG_DB?#/$1?#"; }

# use_stack plain|tls: points the variables the components read at one stack's direct ports.
use_stack() {
    unset KAFKA_SECURITY_PROTOCOL KAFKA_SSL_CA_FILE KAFKA_SASL_MECHANISM KAFKA_SASL_USERNAME \
        KAFKA_SASL_PASSWORD_FILE REDIS_CA_FILE
    if [[ $1 == plain ]]; then
        export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$KAFKA_PORT"
        export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
        return
    fi
    local name
    for name in KAFKA_SECURITY_PROTOCOL KAFKA_SSL_CA_FILE KAFKA_SASL_MECHANISM \
        KAFKA_SASL_USERNAME KAFKA_SASL_PASSWORD_FILE REDIS_CA_FILE; do
        export "$name=$(tls_value "$name")"
    done
    KAFKA_BOOTSTRAP_SERVERS="$(tls_value DIRECT_KAFKA_BOOTSTRAP_SERVERS)"
    REDIS_URL="$(tls_value DIRECT_REDIS_URL)"
    export KAFKA_BOOTSTRAP_SERVERS REDIS_URL
}

# A fresh database $2 on stack $1, migrated; its URL on stdout.
tls_fresh_db() {
    local url
    if [[ $1 == plain ]]; then
        create_db "$2"
        url="$(db_url "$2")"
    else
        PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" "$(tls_db_url postgres)" -qAt \
            -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $2 WITH (FORCE)" \
            -c "CREATE DATABASE $2" >/dev/null
        url="$(tls_db_url "$2")"
    fi
    DATABASE_URL="$url" "$SAGA" migrate 2>/dev/null
    echo "$url"
}

# measure_tls plain|tls ROUND: saturation on one stack; figures in $WORK/tls-MODE-ROUND.json,
# the CPU ticks of the components and of the stack's backends appended to $WORK/tls-cpu.
measure_tls() {
    local mode="$1" round="$2" db="${RUN_ID}_tls_$1_$2" url rate saga0 back0 pids
    use_stack "$mode"
    export KAFKA_TOPIC_PREFIX="$RUN_ID-$mode-$round-"
    url="$(tls_fresh_db "$mode" "$db")"
    start_saga "$url"
    "$SAGA_BENCH" --url "http://127.0.0.1:$PORT_BASE" --orders 300 --concurrency 16 \
        --patience 120 >"$WORK/tls-$mode-$round-warmup.txt"
    pids="$(tls_backend_pids "$mode")"
    saga0="$(components_ticks)"
    back0="$(pids_ticks "$pids")"
    "$SAGA_BENCH" --url "http://127.0.0.1:$PORT_BASE" --orders "$ORDERS" \
        --concurrency "$TLS_CLIENTS" --patience 120 \
        --json "$WORK/tls-$mode-$round.json" >"$WORK/tls-$mode-$round.txt"
    echo "$mode $(($(components_ticks) - saga0)) $(($(pids_ticks "$pids") - back0))" \
        >>"$WORK/tls-cpu"
    stop_saga
    "$SAGA_BENCH" cleanup --kafka "$KAFKA_BOOTSTRAP_SERVERS" --prefix "$KAFKA_TOPIC_PREFIX" \
        2>/dev/null || true
    rate="$("$SAGA_BENCH" figure orders-per-second "$WORK/tls-$mode-$round.json")"
    bench_log "$mode, round $round: $rate orders/s at $TLS_CLIENTS clients"
    use_stack plain
}

# The pids of stack $1's PostgreSQL, Redis and Kafka.
tls_backend_pids() {
    local run_dir="$RUN_DIR" name
    [[ $1 == tls ]] && run_dir="$STACK_HOME-bench-tls-$TLS_BASE/run"
    for name in postgres redis kafka; do head -n 1 "$run_dir/$name.pid"; done | tr '\n' ' '
}

pids_ticks() {
    local pid total=0
    for pid in $1; do total=$((total + $(cpu_ticks "$pid"))); done
    echo "$total"
}

# The median over the rounds of stack $1 of CPU column $2 (2 components, 3 backends), in ms
# per order.
tls_cpu_ms() {
    awk -v m="$1" -v c="$2" -v hz="$(getconf CLK_TCK)" -v n="$ORDERS" \
        '$1 == m { print $c * 1000 / hz / n }' "$WORK/tls-cpu" | median
}

tls_compare() {
    local round plain tls load_before
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    bench_log "starting the TLS-only PostgreSQL, Redis and Kafka (ports from $TLS_BASE)"
    tls_stack_env "$REPO/scripts/stack" up postgres redis kafka >"$WORK/tls.env"
    TLS_STARTED=true
    for round in $(seq 1 "$TLS_ROUNDS"); do
        measure_tls plain "$round"
        measure_tls tls "$round"
    done
    plain="$(for f in "$WORK"/tls-plain-[0-9]*.json; do
        "$SAGA_BENCH" figure orders-per-second "$f"
    done | median)"
    tls="$(for f in "$WORK"/tls-tls-[0-9]*.json; do
        "$SAGA_BENCH" figure orders-per-second "$f"
    done | median)"
    echo "TLS's cost: plaintext backends against TLS-only ones (PostgreSQL verify-full, Redis" \
        "rediss + ACL user, Kafka SASL_SSL/SCRAM), $TLS_ROUNDS rounds, medians"
    echo "  saturation, $TLS_CLIENTS clients, $ORDERS orders a run:"
    echo "    plaintext: $plain orders/s"
    echo "    TLS:       $tls orders/s"
    awk -v a="$plain" -v b="$tls" 'BEGIN { printf "    TLS / plaintext: %.2f\n", b / a }'
    echo "  components' CPU ms per order: plaintext $(tls_cpu_ms plain 2), TLS $(tls_cpu_ms tls 2)"
    echo "  backends' CPU ms per order (PostgreSQL, Redis, Kafka): plaintext" \
        "$(tls_cpu_ms plain 3), TLS $(tls_cpu_ms tls 3)"
    echo "  load average before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
}

# Stops the TLS stack if this run started it (called from cleanup).
tls_stop() {
    if ${TLS_STARTED:-false}; then
        tls_stack_env "$REPO/scripts/stack" down --wipe >/dev/null 2>&1 || true
    fi
}
