# shellcheck shell=bash
# Process and resource handling for scripts/bench: starting the saga's components as separate
# processes on private ports, waiting for health, peak memory, and cleaning everything up.
# Expects REPO, SAGA, WORK, RUN_ID, PORT_BASE, PG_ADMIN, PGBIN and COMPONENTS (what
# `saga components` lists) from scripts/bench.

declare -A PIDS=()
DATABASES=()

bench_log() { printf '[bench] %s\n' "$*" >&2; }

bench_die() {
    printf '[bench] ERROR: %s\n' "$*" >&2
    exit 1
}

# The component's listen port: BASE plus its place in `saga components` (gateway BASE,
# order-api BASE+1, the relay and the workers after them).
port_of() {
    local i
    for i in "${!COMPONENTS[@]}"; do
        if [[ "${COMPONENTS[i]}" == "$1" ]]; then
            echo $((PORT_BASE + i))
            return
        fi
    done
    bench_die "unknown component $1"
}

# "requested timed" checkpoint counts of the whole server.
checkpoints() {
    "$PGBIN/psql" "${PG_ADMIN[@]}" -d postgres -qAt -F ' ' \
        -c "SELECT checkpoints_req, checkpoints_timed FROM pg_stat_bgwriter"
}

# Autovacuum and autoanalyze runs so far on the database $1: a saturation run that overlaps
# them is slower, and the log says so.
maintenance_runs() {
    "$PGBIN/psql" "${PG_ADMIN[@]}" -d "$1" -qAt \
        -c "SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0) FROM pg_stat_user_tables"
}

# Every measured run starts with database $1's tables vacuumed and analyzed, as pgbench
# vacuums before each of its runs; the autovacuum runs that still overlap a run are counted.
settle_db() {
    "$PGBIN/psql" "${PG_ADMIN[@]}" -d "$1" -qAt -v ON_ERROR_STOP=1 -c "VACUUM (ANALYZE)" >/dev/null
}

# A checkpoint now, before a series of runs: the next timed one is then checkpoint_timeout
# (5 min) away, after the series, rather than inside one run of two. (Not before every run:
# the first writes after a checkpoint carry full-page images, which would slow each run's
# start.)
checkpoint_now() {
    "$PGBIN/psql" "${PG_ADMIN[@]}" -d postgres -qAt -v ON_ERROR_STOP=1 -c "CHECKPOINT" >/dev/null
}

checkpoint_delta() {
    local before=($1) after=($2)
    echo "$((after[0] - before[0])) $((after[1] - before[1]))"
}

create_db() {
    PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" "${PG_ADMIN[@]}" -d postgres \
        -qAt -v ON_ERROR_STOP=1 \
        -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
    DATABASES+=("$1")
}

http_ok() {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
        head -n 1 <&3 | grep -q ' 200 '
    ) 2>/dev/null
}

wait_healthy() {
    local deadline=$((SECONDS + 60)) port
    port="$(port_of "$1")"
    until http_ok "$port" /health; do
        kill -0 "${PIDS[$1]}" 2>/dev/null ||
            bench_die "$1 exited; last lines of $WORK/$1.jsonl: $(tail -n 5 "$WORK/$1.jsonl")"
        ((SECONDS < deadline)) || bench_die "$1 not healthy after 60 s ($WORK/$1.jsonl)"
        sleep 0.2
    done
}

# start_component NAME DATABASE_URL: one `saga NAME` process, JSON log in $WORK.
start_component() {
    local port
    port="$(port_of "$1")"
    port_open "$port" && bench_die "port $port (for $1) is taken; set BENCH_PORT_BASE"
    DATABASE_URL="$2" LISTEN_ADDR="127.0.0.1:$port" "$SAGA" "$1" 2>>"$WORK/$1.jsonl" &
    PIDS[$1]=$!
}

start_saga() {
    local c
    bench_log "starting ${COMPONENTS[*]} (ports from $PORT_BASE)"
    for c in "${COMPONENTS[@]}"; do start_component "$c" "$1"; done
    for c in "${COMPONENTS[@]}"; do wait_healthy "$c"; done
}

# Peak resident set (VmHWM) of a running component, kB.
peak_rss_kb() {
    awk '/^VmHWM:/ { print $2 }' "/proc/${PIDS[$1]}/status"
}

# CPU time (user + system, clock ticks) of process $1 and of its children, running and reaped:
# a PostgreSQL server's work is done by its postmaster's children, the backends.
cpu_ticks() {
    cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '
        { pid = $1; sub(/^.*\) /, "") }
        pid == root { ticks += $12 + $13 + $14 + $15 }
        $2 == root { ticks += $12 + $13 }
        END { print ticks + 0 }'
}

# NAME=TICKS for each running component and each backend of the stack, one per line.
cpu_snapshot() {
    local name
    for name in "${COMPONENTS[@]}"; do echo "$name=$(cpu_ticks "${PIDS[$name]}")"; done
    for name in postgres kafka redis; do
        echo "$name=$(cpu_ticks "$(head -n 1 "$RUN_DIR/$name.pid")")"
    done
}

# The whole machine's CPU ticks from /proc/stat: "busy steal all" (busy: user, nice, system,
# irq, softirq; steal: time the hypervisor gave to other guests).
machine_ticks() {
    awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8; print busy, $9, busy + $5 + $6 + $9 }' /proc/stat
}

# Outbox rows retention has pruned so far (the relay's counter).
outbox_pruned() {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$(port_of outbox-relay)" || exit 1
        printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
        awk '/^saga_retention_pruned_total\{.*kind="outbox"/ { n = $NF } END { print n + 0 }' <&3
    ) 2>/dev/null || echo 0
}

# cpu_line BEFORE AFTER MACHINE_BEFORE MACHINE_AFTER ORDERS: one line of where a run's CPU
# went, per order: each process between two cpu_snapshots, everything else on the machine
# (the load generator among it), and the machine's busy and stolen share. A half-rate run
# whose p99 rose reads against it: which process took more, or whether the machine did.
cpu_line() {
    cpu_per_order "$1" "$2" "$5" | awk -v hz="$(getconf CLK_TCK)" -v orders="$5" \
        -v m0="$3" -v m1="$4" '
        { ms = $NF; known += ms; sub(/ [^ ]*$/, ""); line = line sprintf("%s %.2f, ", $0, ms) }
        END {
            split(m0, a, " "); split(m1, b, " ")
            busy = b[1] - a[1]; steal = b[2] - a[2]; all = b[3] - a[3]
            if (all <= 0) all = 1
            printf "CPU ms/order: %severything else %.2f; machine busy %.0f%%, steal %.1f%%",
                line, busy * 1000 / hz / orders - known, 100 * busy / all, 100 * steal / all
        }'
}

# cpu_per_order BEFORE AFTER ORDERS: "NAME MS" lines, each process's CPU milliseconds per
# order between two cpu_snapshots.
cpu_per_order() {
    awk -F= -v hz="$(getconf CLK_TCK)" -v orders="$3" '
        NR == FNR { before[$1] = $2; next }
        { printf "%s %.3f\n", $1, ($2 - before[$1]) * 1000 / hz / orders }
    ' <(echo "$1") <(echo "$2")
}

# cpu_args BEFORE AFTER ORDERS [LOADGEN_SECONDS]: `--cpu NAME=MS` arguments, each process's
# CPU milliseconds per order between two snapshots (and the load generator's, when given).
cpu_args() {
    cpu_per_order "$1" "$2" "$3" | awk -v orders="$3" -v loadgen="${4:-}" '
        { ms = $NF; sub(/ [^ ]*$/, ""); printf "--cpu\n%s=%s\n", $0, ms }
        END { if (loadgen != "") printf "--cpu\nload generator=%.3f\n", loadgen * 1000 / orders }'
}

# The median of the numbers on stdin (separated by spaces or lines).
median() {
    tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END {
        printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# restart_gateway on|off DATABASE_URL: the gateway again, with or without authentication.
restart_gateway() {
    kill -TERM "${PIDS[gateway]}" 2>/dev/null || true
    wait "${PIDS[gateway]}" 2>/dev/null || true
    if [[ $1 == off ]]; then
        API_AUTH=off API_KEYS="" start_component gateway "$2"
    else
        start_component gateway "$2"
    fi
    wait_healthy gateway
}

# auth_compare DATABASE_URL: saturation with authentication off and on, back to back, and the
# gateway's own CPU time per order in each run (steadier than throughput on a shared machine).
auth_compare() {
    local round mode rate load_before ticks cpu hz
    local -A rates=([off]="" [on]="") cpus=([off]="" [on]="")
    hz="$(getconf CLK_TCK)"
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    for round in $(seq 1 "$AUTH_ROUNDS"); do
        for mode in off on; do
            restart_gateway "$mode" "$1"
            ticks="$(cpu_ticks "${PIDS[gateway]}")"
            "$SAGA_BENCH" --url "http://127.0.0.1:$PORT_BASE" --orders "$ORDERS" \
                --concurrency "$AUTH_CLIENTS" --patience 120 \
                --json "$WORK/auth-$mode-$round.json" >"$WORK/auth-$mode-$round.txt"
            rate="$("$SAGA_BENCH" figure orders-per-second "$WORK/auth-$mode-$round.json")"
            cpu="$(awk -v t="$(($(cpu_ticks "${PIDS[gateway]}") - ticks))" -v hz="$hz" \
                -v n="$ORDERS" 'BEGIN { printf "%.3f", t * 1000 / hz / n }')"
            bench_log "authentication $mode, round $round: $rate orders/s, gateway $cpu CPU ms/order"
            rates[$mode]+="$rate "
            cpus[$mode]+="$cpu "
        done
    done
    local off on
    off="$(median <<<"${rates[off]}")"
    on="$(median <<<"${rates[on]}")"
    echo "saturation, $AUTH_CLIENTS clients, $ORDERS orders a run, $AUTH_ROUNDS rounds (off, on):"
    echo "  authentication off: $off orders/s (runs: ${rates[off]% })"
    echo "  authentication on:  $on orders/s (runs: ${rates[on]% })"
    awk -v off="$off" -v on="$on" 'BEGIN { printf "  on / off: %.1f%%\n", 100 * on / off }'
    echo "  gateway CPU ms per order (placing and following it): off $(median <<<"${cpus[off]}")" \
        "(${cpus[off]% }), on $(median <<<"${cpus[on]}") (${cpus[on]% })"
    echo "  load average before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
}

# Stops every component this script started: TERM, then KILL after 20 s.
stop_saga() {
    local name pid deadline
    for name in "${!PIDS[@]}"; do kill -TERM "${PIDS[$name]}" 2>/dev/null || true; done
    deadline=$((SECONDS + 20))
    for name in "${!PIDS[@]}"; do
        pid="${PIDS[$name]}"
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}

# On exit: processes, databases, topics and Redis keys of this run.
cleanup() {
    local status=$? db
    stop_saga
    cluster_stop
    tls_stop
    [[ -n "${PGBIN:-}" ]] || DATABASES=()
    for db in "${DATABASES[@]}"; do
        "$PGBIN/psql" "${PG_ADMIN[@]}" -d postgres -qAt \
            -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    if [[ -x "$SAGA_BENCH" ]]; then
        "$SAGA_BENCH" cleanup --kafka "$KAFKA_BOOTSTRAP_SERVERS" --prefix "$RUN_ID-" \
            2>/dev/null || true
    fi
    if command -v redis-cli >/dev/null; then
        redis-cli -p "$REDIS_PORT" --scan --pattern "$RUN_ID:*" 2>/dev/null |
            xargs -r -n 500 redis-cli -p "$REDIS_PORT" del >/dev/null 2>&1 || true
    fi
    bench_log "cleaned up; logs and step outputs kept in $WORK"
    exit "$status"
}
